//! Shell words without a shell: splitting an options string the way `sh`
//! would (quotes and backslashes), and quoting a value for `sh` to read back.
//!
//! Nothing is ever run: any syntax that would make a shell run or substitute
//! something (`$`, backquotes, `;`, `&`, `|`, `<`, `>`, `(`, `)` outside single
//! quotes) is refused instead of being taken literally or interpreted.

/// Why an options string was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// A quote was opened and never closed.
    Unterminated(char),
    /// A backslash at the very end.
    TrailingBackslash,
    /// A character a shell would act on (substitution, redirection, a list).
    Unsupported(char),
}

impl std::fmt::Display for SplitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SplitError::Unterminated(q) => write!(f, "unterminated {q} quote"),
            SplitError::TrailingBackslash => write!(f, "backslash at the end"),
            SplitError::Unsupported(c) => {
                write!(f, "unsupported shell syntax {c:?} (quote it with '...')")
            }
        }
    }
}

impl std::error::Error for SplitError {}

/// Splits `s` into words with `sh` quoting rules: blanks separate words;
/// `'...'` is literal; `"..."` is literal except `\` before `"`, `\`, `$`,
/// `` ` `` or a newline; `\` outside quotes escapes the next character
/// (a backslash-newline is removed).
pub fn split(s: &str) -> Result<Vec<String>, SplitError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word exists once anything (even `''`) was seen since the last blank.
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(SplitError::Unterminated('\'')),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\n') => {}
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(SplitError::Unterminated('"')),
                        },
                        Some(c @ ('$' | '`')) => return Err(SplitError::Unsupported(c)),
                        Some(c) => word.push(c),
                        None => return Err(SplitError::Unterminated('"')),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err(SplitError::TrailingBackslash),
            },
            '$' | '`' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => {
                return Err(SplitError::Unsupported(c))
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// `s` single-quoted for `sh`: `'` becomes `'\''`; nothing inside is special.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Vec<String> {
        split(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    #[test]
    fn splits_like_sh() {
        assert_eq!(
            ok(r#"--expiration "05 Dec 2026" --balance 3"#),
            ["--expiration", "05 Dec 2026", "--balance", "3"]
        );
        assert_eq!(ok("  a\tb \n c  "), ["a", "b", "c"]);
        assert_eq!(ok(""), Vec::<String>::new());
        assert_eq!(ok("   "), Vec::<String>::new());
        assert_eq!(ok("'' x"), ["", "x"]);
        assert_eq!(ok(r#""""#), [""]);
        assert_eq!(
            ok("--password 'demo&secret=1 %+'"),
            ["--password", "demo&secret=1 %+"]
        );
        assert_eq!(ok(r"a\ b 'it'\''s'"), ["a b", "it's"]);
        assert_eq!(ok(r#""a \"q\" \$x \\ \n""#), [r#"a "q" $x \ \n"#]);
        assert_eq!(ok(r#"x'y'"z"w"#), ["xyzw"]);
        assert_eq!(
            ok("'$(touch /tmp/x)' '`id`;|&<>()'"),
            ["$(touch /tmp/x)", "`id`;|&<>()"]
        );
        assert_eq!(ok("a\\\nb"), ["ab"]);
        assert_eq!(ok("--opt=\"a b\""), ["--opt=a b"]);
    }

    #[test]
    fn refuses_what_a_shell_would_run() {
        for s in [
            "$(touch /tmp/x)",
            "`id`",
            "a; b",
            "a && b",
            "a | b",
            "a > f",
            "a < f",
            "(a)",
            "$HOME",
            r#""$(id)""#,
            r#""`id`""#,
        ] {
            assert!(
                matches!(split(s), Err(SplitError::Unsupported(_))),
                "{s:?} was accepted"
            );
        }
        assert_eq!(split("'abc"), Err(SplitError::Unterminated('\'')));
        assert_eq!(split("\"abc"), Err(SplitError::Unterminated('"')));
        assert_eq!(split("abc\\"), Err(SplitError::TrailingBackslash));
    }

    #[test]
    fn quote_round_trips_through_split() {
        for s in ["", "plain", "demo&secret=1 %+", "it's \"q\" $(x) `y` \\ \n"] {
            assert_eq!(ok(&quote(s)), [s]);
        }
    }
}
