//! The one table `make bench` prints, and `bench/results.json`.

use std::time::Duration;

use serde_json::{json, Value};

use crate::procfs;

pub struct Row {
    pub figure: String,
    pub value: String,
    pub target: String,
    /// None: a figure without a pass/fail target.
    pub pass: Option<bool>,
    /// The 1-minute load average when the figure was taken (the machine is shared).
    pub load: f64,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub details: serde_json::Map<String, Value>,
    /// Where the results go; written after every figure, so a run cut short keeps what it had.
    pub path: String,
}

impl Report {
    pub fn add(&mut self, figure: &str, value: String, target: &str, pass: Option<bool>) {
        let row = Row {
            figure: figure.to_owned(),
            value,
            target: target.to_owned(),
            pass,
            load: procfs::load(),
        };
        println!("  {:<44} {}", row.figure, row.value);
        self.rows.push(row);
        self.save();
    }

    fn save(&self) {
        if self.path.is_empty() {
            return;
        }
        let (cores, model) = procfs::machine();
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| json!({"figure": r.figure, "value": r.value, "target": r.target, "pass": r.pass, "load1": r.load}))
            .collect();
        let results = json!({
            "machine": {"cores": cores, "cpu": model, "load1_at_end": procfs::load()},
            "figures": rows,
            "details": self.details,
        });
        let _ = std::fs::write(
            &self.path,
            serde_json::to_string_pretty(&results).unwrap() + "\n",
        );
    }

    pub fn detail(&mut self, name: &str, value: Value) {
        self.details.insert(name.to_owned(), value);
    }

    pub fn print_and_save(&self) {
        self.save();
        let path = &self.path;
        let (cores, model) = procfs::machine();
        let machine = format!("{cores} cores, {model}");
        let width = |f: fn(&Row) -> &str, min: usize| {
            self.rows
                .iter()
                .map(|r| f(r).chars().count())
                .max()
                .unwrap_or(0)
                .max(min)
        };
        let (wf, wv, wt) = (
            width(|r| &r.figure, 6),
            width(|r| &r.value, 5),
            width(|r| &r.target, 6),
        );
        println!();
        println!("machine: {machine}");
        println!(
            "| {:<wf$} | {:<wv$} | {:<wt$} | pass | machine (load) |",
            "figure", "value", "target"
        );
        println!(
            "|{}|{}|{}|------|----------------|",
            "-".repeat(wf + 2),
            "-".repeat(wv + 2),
            "-".repeat(wt + 2)
        );
        for r in &self.rows {
            let pass = match r.pass {
                Some(true) => "yes",
                Some(false) => "NO",
                None => "",
            };
            println!(
                "| {:<wf$} | {:<wv$} | {:<wt$} | {pass:<4} | {cores} cores, {:<5.2} |",
                r.figure, r.value, r.target, r.load
            );
        }
        let failed = self.rows.iter().filter(|r| r.pass == Some(false)).count();
        println!("\n{failed} figure(s) missed their target; written to {path}");
    }
}

/// Milliseconds, two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

pub fn us(seconds: f64) -> String {
    format!("{:.0} µs", seconds * 1e6)
}

/// The `p` quantile (0..=1) of `samples`, nearest rank.
pub fn quantile(samples: &[Duration], p: f64) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i]
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
