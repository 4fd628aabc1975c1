//! Print what a fuzz input decodes to, and run it: `cargo run --example describe --
//! ingest|config|snapshot FILE`. A crash then shows with a plain backtrace.

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, target, file] = &args[..] else {
        eprintln!("usage: describe ingest|config|snapshot FILE");
        std::process::exit(2);
    };
    let data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    match target.as_str() {
        "ingest" => {
            println!("{}", walkout_fuzz::describe_ingest(&data));
            walkout_fuzz::ingest(&data);
        }
        "config" => {
            println!("{}", walkout_fuzz::config_text(&data).unwrap_or_default());
            walkout_fuzz::config(&data);
        }
        "snapshot" => {
            println!("{}", walkout_fuzz::describe_snapshot(&data));
            walkout_fuzz::snapshot(&data);
        }
        other => panic!("unknown target {other}"),
    }
    println!("no panic");
}
