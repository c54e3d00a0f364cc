//! docs/GUIDE.md cannot rot: its commands run, in order, as a reader typing them would, and
//! print exactly what the guide shows.
//!
//! - In a ```` ```text ```` block, a line `$ COMMAND` is typed and the lines after it, up to the
//!   next `$`, are what it prints (its stderr when they start with `error:`).
//! - In a ```` ```sh ```` block every line is typed and must succeed (output not shown).
//! - `cp`, `export` and `pledge` are run (absolute paths land in a scratch directory); other
//!   tools (`hledger`, `ledger`) are left to tests/export.rs.
//!
//! After a deliberate change of output, `PLEDGE_GUIDE_UPDATE=1 cargo test -p pledge-tests
//! --test guide` writes the outputs into the guide; read the diff before committing it.

use std::collections::HashMap;
use std::path::Path;

use pledge_tests::{pledge, workspace};

/// One command typed, where its shown output is in the guide, and what that output is.
struct Typed {
    words: Vec<String>,
    /// Lines of the guide holding the output shown (empty for `sh` blocks).
    output: std::ops::Range<usize>,
    shown: bool,
}

/// Splits a shell line into words: double and single quotes, `\` escapes, `#` comments.
fn words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => word.extend(chars.next()),
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '\\') => {
                word.extend(chars.next());
                in_word = true;
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// The commands of the guide, in order.
fn typed(lines: &[&str]) -> Vec<Typed> {
    let mut out: Vec<Typed> = Vec::new();
    let mut block: Option<&str> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(lang) = line.strip_prefix("```") {
            block = match block {
                None => Some(if lang.is_empty() { "plain" } else { lang }),
                Some(_) => None,
            };
            i += 1;
            continue;
        }
        match block {
            Some("text") => {
                if let Some(command) = line.strip_prefix("$ ") {
                    let start = i + 1;
                    let mut end = start;
                    while end < lines.len()
                        && !lines[end].starts_with("$ ")
                        && !lines[end].starts_with("```")
                    {
                        end += 1;
                    }
                    out.push(Typed {
                        words: words(command),
                        output: start..end,
                        shown: true,
                    });
                    i = end;
                    continue;
                }
            }
            Some("sh") => {
                let mut command = line.to_string();
                while command.ends_with('\\') {
                    command.pop();
                    i += 1;
                    command.push_str(lines[i]);
                }
                let words = words(&command);
                if !words.is_empty() {
                    out.push(Typed {
                        words,
                        output: i + 1..i + 1,
                        shown: false,
                    });
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

#[test]
fn every_command_in_the_guide_prints_what_the_guide_shows() {
    let path = workspace().join("docs/GUIDE.md");
    let guide = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = guide.lines().collect();
    let scratch = tempfile::tempdir().unwrap();
    let here = |word: &str| -> String {
        // Absolute paths (`/tmp/us-japan.pledge`) land in the scratch directory.
        match word.strip_prefix('/') {
            Some(_) => scratch
                .path()
                .join(Path::new(word).file_name().unwrap())
                .display()
                .to_string(),
            None => word.to_string(),
        }
    };
    let mut env: HashMap<String, String> = HashMap::new();
    let mut updated: Vec<(std::ops::Range<usize>, Vec<String>)> = Vec::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    for command in typed(&lines) {
        let words: Vec<String> = command.words.iter().map(|w| here(w)).collect();
        let (args, redirect) = match words.iter().position(|w| w == ">") {
            Some(at) => (&words[..at], words.get(at + 1)),
            None => (&words[..], None),
        };
        match args.first().map(String::as_str) {
            Some("cp") => {
                std::fs::copy(workspace().join(&args[1]), scratch.path().join(&args[2])).unwrap();
                continue;
            }
            Some("export") => {
                let (name, value) = args[1].split_once('=').unwrap();
                env.insert(name.into(), value.into());
                continue;
            }
            Some("pledge") => {}
            _ => continue,
        }
        let output = pledge()
            .env_remove("PLEDGE_TODAY")
            .env("TZ", "UTC")
            .envs(&env)
            .current_dir(scratch.path())
            .args(&args[1..])
            .output()
            .unwrap();
        ran += 1;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if let Some(file) = redirect {
            std::fs::write(scratch.path().join(file), &stdout).unwrap();
        }
        let line = command.output.start;
        if !command.shown {
            if !output.status.success() {
                failures.push(format!(
                    "GUIDE.md:{line}: `{}` failed: {stderr}",
                    args.join(" ")
                ));
            }
            continue;
        }
        let expected: Vec<&str> = lines[command.output.clone()].to_vec();
        let printed = if expected.first().is_some_and(|l| l.starts_with("error:")) {
            &stderr
        } else {
            &stdout
        };
        let printed: Vec<String> = printed.lines().map(|l| l.trim_end().to_string()).collect();
        // A blank line between commands in the guide is not output.
        let mut shown: Vec<String> = expected.iter().map(|l| l.trim_end().to_string()).collect();
        while shown.last().is_some_and(String::is_empty)
            && printed.last().is_none_or(|l| !l.is_empty())
        {
            shown.pop();
        }
        if printed != shown {
            failures.push(format!(
                "GUIDE.md:{line}: `{}` printed:\n{}\n-- the guide shows:\n{}",
                args.join(" "),
                printed.join("\n"),
                shown.join("\n")
            ));
            updated.push((command.output.clone(), printed));
        }
    }
    if std::env::var_os("PLEDGE_GUIDE_UPDATE").is_some() && !updated.is_empty() {
        let mut new: Vec<String> = Vec::new();
        let mut at = 0;
        for (range, printed) in &updated {
            new.extend(lines[at..range.start].iter().map(|l| l.to_string()));
            new.extend(printed.iter().cloned());
            at = range.end;
        }
        new.extend(lines[at..].iter().map(|l| l.to_string()));
        std::fs::write(&path, new.join("\n") + "\n").unwrap();
    }
    assert!(ran > 30, "the guide's commands ran: {ran}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
