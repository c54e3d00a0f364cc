//! `pledge chart`: the SVG is parsed as XML (roxmltree) and what it shows is checked against
//! `pledge report --format json`: the bars' lengths are the figures on one scale, the labels
//! carry the report's exact figures and percentages, the lines over time step once per day
//! with events and end where the totals are. The README's picture of the example ledger is
//! checked to be what `chart` draws today (`PLEDGE_CHART_UPDATE=1` rewrites it).

use pledge_tests::{Scratch, workspace};
use serde_json::Value;

/// The bar area's width in pixels (chart.rs: BAR_RIGHT - BAR_LEFT).
const BAR_WIDTH: i128 = 600;
const COMMITTED: &str = "#9EC5E8";
const FULFILLED: &str = "#1F5F99";

/// Five currencies toward a USD goal, two of them converted at the goal's rates, one with no
/// rate; fulfilments on three later days.
fn round() -> Scratch {
    let s = Scratch::empty();
    let day = "2014-11-20";
    s.ok(&["init", "--origin", "example.org/gcf"]);
    s.ok(&["goal", "GCF-IRM", "--target", "10bn", "USD", "--date", day]);
    s.ok(&[
        "rate", "EUR", "USD", "1.25", "--goal", "GCF-IRM", "--date", day,
    ]);
    s.ok(&[
        "rate", "GBP", "USD", "1.57", "--goal", "GCF-IRM", "--date", day,
    ]);
    for (amount, code, from) in [
        ("3bn", "USD", "United States"),
        ("750M", "EUR", "Germany"),
        ("720M", "GBP", "United Kingdom"),
        ("300M", "CAD", "Canada"),
    ] {
        s.ok(&[
            "add", amount, code, "--from", from, "--to", "GCF", "--goal", "GCF-IRM", "--date", day,
        ]);
    }
    s.ok(&[
        "add",
        "2bn",
        "USD",
        "--from",
        "Canada",
        "--to",
        "Red Cross",
        "--date",
        day,
    ]);
    s.ok(&["fulfil", "9", "1bn", "USD", "--date", "2015-06-01"]);
    s.ok(&["fulfil", "11", "250M", "EUR", "--date", "2016-01-10"]);
    s.ok(&["fulfil", "9", "500M", "USD", "--date", "2016-03-01"]);
    s
}

/// Minor units from the JSON's exact decimal (`"5067900000.00"`).
fn units(money: &Value) -> i128 {
    money["value"]
        .as_str()
        .unwrap()
        .replace('.', "")
        .parse()
        .unwrap()
}

struct Svg {
    texts: Vec<(String, i32)>,
    /// (y, width, fill)
    rects: Vec<(i32, i32, String)>,
    /// (stroke, points)
    lines: Vec<(String, Vec<(i32, i32)>)>,
}

fn parse(svg: &str) -> Svg {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    let int = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<i32>().unwrap();
    let mut parsed = Svg {
        texts: vec![],
        rects: vec![],
        lines: vec![],
    };
    for node in doc.descendants() {
        match node.tag_name().name() {
            "text" => parsed
                .texts
                .push((node.text().unwrap().trim().to_string(), int(node, "y"))),
            "rect" => parsed.rects.push((
                int(node, "y"),
                int(node, "width"),
                node.attribute("fill").unwrap().to_string(),
            )),
            "polyline" => {
                let points = node
                    .attribute("points")
                    .unwrap()
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                parsed
                    .lines
                    .push((node.attribute("stroke").unwrap().to_string(), points));
            }
            _ => {}
        }
    }
    parsed
}

impl Svg {
    fn text_y(&self, wanted: &str) -> i32 {
        self.texts
            .iter()
            .find(|(t, _)| t == wanted)
            .unwrap_or_else(|| panic!("no text {wanted:?} in {:?}", self.texts))
            .1
    }

    fn has_text(&self, wanted: &str) -> bool {
        self.texts.iter().any(|(t, _)| t.contains(wanted))
    }

    /// The width of the bar of `fill` on the row labelled at `y`.
    fn bar(&self, y: i32, fill: &str) -> i128 {
        let (_, width, _) = self
            .rects
            .iter()
            .find(|(top, _, f)| f == fill && (top - y).abs() <= 4)
            .unwrap_or_else(|| panic!("no {fill} bar at y {y}: {:?}", self.rects));
        i128::from(*width)
    }

    /// The lines of `stroke`, in drawing order (one per commodity).
    fn lines(&self, stroke: &str) -> Vec<&Vec<(i32, i32)>> {
        self.lines
            .iter()
            .filter(|(s, _)| s == stroke)
            .map(|(_, p)| p)
            .collect()
    }
}

#[test]
fn bars_show_the_reports_figures_on_one_scale() {
    let s = round();
    let report: Value = serde_json::from_str(&s.ok(&["report", "--format", "json"])).unwrap();
    let goal = &report["goals"][0];
    let svg = parse(&s.ok(&["chart"]));

    assert!(
        svg.has_text("#2 GCF-IRM: target 10bn USD"),
        "{:?}",
        svg.texts
    );
    let (target, committed, fulfilled) = (
        units(&goal["target"]),
        units(&goal["committed"]),
        units(&goal["fulfilled"]),
    );
    let scale = target.max(committed);
    let y = svg.text_y("Total in USD");
    assert_eq!(svg.bar(y, COMMITTED), committed * BAR_WIDTH / scale);
    assert_eq!(svg.bar(y, FULFILLED), fulfilled * BAR_WIDTH / scale);
    // The label under it: the report's percentages, exactly.
    let percent = goal["committed_percent"].as_str().unwrap();
    assert!(
        svg.has_text(&format!("of 10bn USD committed ({percent}%)")),
        "{:?}",
        svg.texts
    );

    // A row per commodity on the same scale: converted where a rate converts it.
    for commodity in goal["commodities"].as_array().unwrap() {
        let code = commodity["commodity"].as_str().unwrap();
        let y = svg.text_y(code);
        match &commodity["conversion"] {
            Value::Null if code == "USD" => {
                let committed = units(&commodity["committed"]);
                assert_eq!(svg.bar(y, COMMITTED), committed * BAR_WIDTH / scale);
            }
            Value::Null => {
                assert!(svg.has_text(&format!("{code} committed, 0 fulfilled: no rate to USD")));
                assert!(!svg.rects.iter().any(|(top, _, _)| (top - y).abs() <= 4));
            }
            conversion => {
                let converted = units(&conversion["committed"]);
                assert_eq!(svg.bar(y, COMMITTED), converted * BAR_WIDTH / scale);
                let fulfilled = units(&conversion["fulfilled"]);
                assert_eq!(svg.bar(y, FULFILLED), fulfilled * BAR_WIDTH / scale);
                assert!(svg.has_text(&format!("at {}", conversion["rate"].as_str().unwrap())));
            }
        }
    }
}

#[test]
fn lines_step_on_each_day_and_end_at_the_totals() {
    let s = round();
    let by: Value =
        serde_json::from_str(&s.ok(&["report", "--by", "commodity", "--format", "json"])).unwrap();
    let svg = parse(&s.ok(&["chart"]));
    let rows = by["rows"].as_array().unwrap();
    let committed = svg.lines(COMMITTED);
    let fulfilled = svg.lines(FULFILLED);
    // One line each per commodity, in the order the commodities were declared.
    let order = ["USD", "EUR", "GBP", "CAD"];
    assert_eq!(
        committed.len(),
        2 * order.len(),
        "a line and its legend sample each"
    );
    for (index, code) in order.iter().enumerate() {
        assert!(svg.has_text(&format!("{code}: committed and fulfilled over time")));
        let row = rows.iter().find(|r| r["commodity"] == *code).unwrap();
        // Lines come before their legend's sample; take every other.
        let c = committed.iter().filter(|p| p.len() > 2).nth(index).unwrap();
        let f = fulfilled.iter().filter(|p| p.len() > 2).nth(index).unwrap();
        // Start, a step (two points) per day with events, end.
        let days = match *code {
            "USD" => 3, // the pledge day, two fulfilments
            "EUR" => 2,
            _ => 1,
        };
        assert_eq!(c.len(), 2 + 2 * days, "{code}: {c:?}");
        let (first, last) = (c[0], c[c.len() - 1]);
        let end_f = f[f.len() - 1];
        // Committed rises from nothing; fulfilled ends below it, or on the axis with nothing.
        assert!(last.1 < first.1, "{code} committed rises: {c:?}");
        if units(&row["fulfilled"]) == 0 {
            assert_eq!(end_f.1, first.1, "{code}: nothing fulfilled, a flat line");
        } else {
            assert!(last.1 < end_f.1 && end_f.1 < first.1, "{code}: {f:?}");
            // On one axis: heights in proportion to the figures, to a pixel's rounding.
            let height = |p: (i32, i32)| i128::from(first.1 - p.1);
            let (c_units, f_units) = (units(&row["committed"]), units(&row["fulfilled"]));
            let expected = height(last) * f_units / c_units;
            assert!(
                (height(end_f) - expected).abs() <= 1,
                "{code}: {f:?} vs {c:?}"
            );
        }
    }
}

#[test]
fn as_of_and_goal_narrow_what_is_drawn() {
    let s = round();
    let svg = parse(&s.ok(&["chart", "--as-of", "2015-12-31"]));
    assert!(svg.has_text(", as of 2015-12-31"));
    // By then only the first fulfilment: 1bn of the 10bn.
    assert!(svg.has_text("5.0679bn of 10bn USD committed (50.7%), 1bn fulfilled (10.0%)"));
    let usd = svg.lines(COMMITTED)[0].clone();
    assert_eq!(
        usd.len(),
        6,
        "two days with events for USD by then: {usd:?}"
    );

    // Outside the goal: the Red Cross pledge is not drawn with --goal.
    let all = parse(&s.ok(&["chart"]));
    let only = parse(&s.ok(&["chart", "--goal", "GCF-IRM"]));
    let usd_end = |svg: &Svg| {
        let line = svg.lines(COMMITTED)[0].clone();
        line[line.len() - 1].1 - line[0].1
    };
    assert_ne!(
        usd_end(&all),
        usd_end(&only),
        "2bn USD outside the goal counts only in all"
    );

    let refused = s.run(&["chart", "--goal", "GCF-IMR"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert_eq!(
        stderr,
        "error: --goal 'GCF-IMR': no such goal in the ledger; did you mean 'GCF-IRM'?\n"
    );
}

#[test]
fn out_writes_a_new_file_and_never_the_ledger() {
    let s = round();
    let before = s.read("ledger.pledge");
    s.ok(&["chart", "--out", "chart.svg"]);
    assert_eq!(s.read("chart.svg"), s.ok(&["chart"]).into_bytes());
    let again = s.run(&["chart", "--out", "chart.svg"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("pass --force"));
    s.ok(&["chart", "--out", "chart.svg", "--force"]);
    let over = s.run(&["chart", "--out", "ledger.pledge", "--force"]);
    assert_eq!(over.status.code(), Some(2));
    assert_eq!(s.read("ledger.pledge"), before);
}

#[test]
fn hostile_names_are_text_in_the_svg() {
    let s = Scratch::empty();
    s.ok(&["init", "--origin", "example.org/x"]);
    s.ok(&[
        "goal",
        "<script>&\"'",
        "--target",
        "1M",
        "USD",
        "--date",
        "2025-01-01",
    ]);
    s.ok(&[
        "add",
        "1k",
        "USD",
        "--from",
        "A",
        "--to",
        "B",
        "--goal",
        "<script>&\"'",
        "--date",
        "2025-01-02",
    ]);
    let svg = s.ok(&["chart"]);
    assert!(!svg.contains("<script>"));
    let parsed = parse(&svg);
    assert!(
        parsed.has_text("<script>&\"': target 1M USD"),
        "{:?}",
        parsed.texts
    );
}

#[test]
fn the_readme_picture_is_what_chart_draws() {
    let s = Scratch::example();
    let drawn = s.ok(&["chart"]);
    let path = workspace().join("docs/examples/us-japan-2025.svg");
    if std::env::var_os("PLEDGE_CHART_UPDATE").is_some() {
        std::fs::write(&path, &drawn).unwrap();
    }
    let shipped = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        shipped == drawn,
        "docs/examples/us-japan-2025.svg is not what `pledge chart` draws; \
         PLEDGE_CHART_UPDATE=1 cargo test -p pledge-tests --test chart rewrites it"
    );
}
