"""The Python binding against pycurl (one handle reused): the same balance
request to the same local HTTPS server, interleaved rounds, one run. Both
sides read the balance: pycurl's reply is decoded (json) and its balance
read (the binding does more: its result also holds the expiry as a date)."""

from __future__ import annotations

import io
import json
import os
import statistics
import sys
import time
import urllib.parse

import pycurl

import isms

ROUNDS, PER_ROUND = 21, 300


def main() -> None:
    endpoint, ca = os.environ["ISMS_ENDPOINT"], os.environ["ISMS_CA_FILE"]
    user, password = os.environ["ISMS_USERNAME"], os.environ["ISMS_PASSWORD"]
    client = isms.Client(user, password, endpoint=endpoint, ca_file=ca, proxy="")
    query = urllib.parse.urlencode({"un": user, "pass": password, "method": "balance"}, quote_via=urllib.parse.quote)
    handle = pycurl.Curl()
    handle.setopt(pycurl.URL, f"{endpoint}?{query}")
    handle.setopt(pycurl.CAINFO, ca)
    handle.setopt(pycurl.PROXY, "")
    body = io.BytesIO()
    handle.setopt(pycurl.WRITEDATA, body)

    def curl_call() -> None:
        body.seek(0)
        body.truncate()
        handle.perform()
        if handle.getinfo(pycurl.RESPONSE_CODE) != 200:
            sys.exit("pycurl: unexpected reply")
        reply = json.loads(body.getvalue())
        float(reply["balance"])

    def isms_call() -> None:
        client.balance()

    isms_call()
    curl_call()
    times: dict[str, list[float]] = {"isms": [], "curl": []}
    for r in range(ROUNDS):
        order = [("isms", isms_call), ("curl", curl_call)]
        if r % 2:
            order.reverse()
        for name, call in order:
            start = time.perf_counter()
            for _ in range(PER_ROUND):
                call()
            times[name].append((time.perf_counter() - start) / PER_ROUND * 1e6)
    a, b = statistics.median(times["isms"]), statistics.median(times["curl"])
    print(f"Py  per-call wall (median of {ROUNDS} interleaved rounds of {PER_ROUND}):")
    print(f"      isms binding {a:8.1f} us   pycurl {b:8.1f} us   ratio {a / b:.2f} (goal <= 1.00)")
    client.close()
    handle.close()


if __name__ == "__main__":
    main()
