"""Seeds target/fuzz-corpus/<target>/ from tests/cases/*.json (inputs and reply bodies)."""
import json, os, sys

root = sys.argv[1] if len(sys.argv) > 1 else "target/fuzz-corpus"
SEP = b"\x1f"

def value(v):
    if v is None:
        return b"\0"
    if isinstance(v, dict):
        return bytes.fromhex(v["hex"])
    return str(v).encode()

def write(target, name, data):
    d = os.path.join(root, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-%03d" % name), "wb") as f:
        f.write(data)

def cases(path):
    with open(os.path.join("tests/cases", path)) as f:
        return json.load(f)

send = cases("send_inputs.json")
for i, c in enumerate(send["cases"]):
    a = dict(send["defaults"], **c)
    fields = [a["mobile"], a["country_code"], a["message"], a["type"], a["sender_id"], "user", "p&ss w%rd"]
    write("send_inputs", i, SEP.join(value(v) for v in fields))
verify = cases("verify_inputs.json")
for i, c in enumerate(verify["cases"]):
    a = dict(verify["defaults"], **c)
    fields = [a["mobile"], a["country_code"], a["code"], a["sms_id"], a["uuid"], a["interval"], a["sender_id"], "user", "p&ss w%rd"]
    write("verify_inputs", i, SEP.join(value(v) for v in fields))
calls = {"send": 0, "verify": 1, "balance": 2}
for i, c in enumerate(cases("replies.json")["cases"]):
    body = c["body"].replace("%PASSWORD%", "p&ss w%rd").encode()
    write("replies", i, bytes([calls.get(c.get("call"), 0), 0, 200]) + body)
    write("classify", i, bytes([calls.get(c.get("call"), 0)]) + body)
for i, (secret, text) in enumerate([("p&ss w%rd", "x\x1f\x01y\x1f\x02z"), ("hunter2", "\x00pass=")]):
    write("redaction", i, (secret + "\x1f" + text).encode())
