// tokio 1.24 test subjects for awaitaudit: each scenario writes a file through
// tokio::fs::File and then observes it; the positive forms observe before the
// blocking pool's write(2) is known to be done (tokio issue 7378), the twins
// first wait with flush().await or sync_all().await.
//
// Every run checks itself and prints `stale K/N`: K iterations saw a length
// or content that misses the write.  Drivers compare K with the analyzer.
//
// Lines tagged `AA-WRITE` / `AA-OBSERVE` are found by the test drivers, which
// expect those source lines in the report's stacks: keep the tags on the
// calls themselves.
//
// usage: tokio_subjects SCENARIO [--fix none|flush|sync] [--iters N] [--dir D]
//   SCENARIO: metadata-ct | metadata-mt | std-read | drop-read

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use tokio::io::AsyncWriteExt;

const PAYLOAD: &[u8] = b"awaitaudit tokio payload\n";

#[derive(Clone, Copy, PartialEq)]
enum Fix {
    None,
    Flush,
    Sync,
}

#[derive(Clone)]
struct Options {
    scenario: String,
    fix: Fix,
    iters: u32,
    dir: PathBuf,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().ok_or("missing SCENARIO")?;
    let mut opts = Options {
        scenario,
        fix: Fix::None,
        iters: 200,
        dir: std::env::temp_dir(),
    };
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--fix" => {
                opts.fix = match value.as_str() {
                    "none" => Fix::None,
                    "flush" => Fix::Flush,
                    "sync" => Fix::Sync,
                    _ => return Err(format!("unknown --fix {value}")),
                }
            }
            "--iters" => opts.iters = value.parse().map_err(|_| "bad --iters")?,
            "--dir" => opts.dir = PathBuf::from(value),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(opts)
}

// The twin's wait; a no-op for the positive form.
async fn settle(file: &mut tokio::fs::File, fix: Fix) -> std::io::Result<()> {
    match fix {
        Fix::None => Ok(()),
        Fix::Flush => file.flush().await,
        Fix::Sync => file.sync_all().await,
    }
}

// One iteration of each scenario; returns true when the observation was stale.
async fn metadata_once(path: &Path, fix: Fix) -> std::io::Result<bool> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(PAYLOAD).await?; // AA-WRITE metadata
    settle(&mut file, fix).await?;
    let len = file.metadata().await?.len(); // AA-OBSERVE metadata
    Ok(len != PAYLOAD.len() as u64)
}

async fn std_read_once(path: &Path, fix: Fix) -> std::io::Result<bool> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(PAYLOAD).await?; // AA-WRITE std-read
    settle(&mut file, fix).await?;
    let seen = std::fs::read(path)?; // AA-OBSERVE std-read
    Ok(seen != PAYLOAD)
}

async fn drop_read_once(path: &Path, fix: Fix) -> std::io::Result<bool> {
    let mut file = tokio::fs::File::create(path).await?;
    file.write_all(PAYLOAD).await?; // AA-WRITE drop-read
    settle(&mut file, fix).await?;
    drop(file);
    let seen = tokio::fs::read(path).await?; // AA-OBSERVE drop-read
    Ok(seen != PAYLOAD)
}

async fn run(opts: &Options, kind: &str) -> std::io::Result<u32> {
    let dir = opts.dir.join(format!("aa-tokio-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await?;
    let mut stale = 0;
    // A fresh file per iteration: each write has its own file, so the
    // analyzer's count can be compared with ours one to one.
    for i in 0..opts.iters {
        let path = dir.join(format!("f{i}"));
        let was_stale = match kind {
            "metadata" => metadata_once(&path, opts.fix).await?,
            "std-read" => std_read_once(&path, opts.fix).await?,
            _ => drop_read_once(&path, opts.fix).await?,
        };
        stale += was_stale as u32;
    }
    // Clean up only after every pool job has surely finished, so the unlinks
    // do not themselves race the last writes.
    tokio::task::yield_now().await;
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::remove_dir_all(&dir)?;
    Ok(stale)
}

fn main() -> ExitCode {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("tokio_subjects: {e}");
            eprintln!("usage: tokio_subjects metadata-ct|metadata-mt|std-read|drop-read [--fix none|flush|sync] [--iters N] [--dir D]");
            return ExitCode::from(2);
        }
    };
    let (runtime, kind) = match opts.scenario.as_str() {
        "metadata-ct" => (tokio::runtime::Builder::new_current_thread().build(), "metadata"),
        "metadata-mt" => (
            tokio::runtime::Builder::new_multi_thread().worker_threads(2).build(),
            "metadata",
        ),
        "std-read" => (tokio::runtime::Builder::new_current_thread().build(), "std-read"),
        "drop-read" => (tokio::runtime::Builder::new_current_thread().build(), "drop-read"),
        other => {
            eprintln!("tokio_subjects: unknown scenario {other}");
            return ExitCode::from(2);
        }
    };
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio_subjects: runtime: {e}");
            return ExitCode::from(3);
        }
    };
    let multi_thread = opts.scenario == "metadata-mt";
    let result = runtime.block_on(async move {
        if multi_thread {
            // Run on a worker thread, not on main's block_on, so the
            // multi-thread scheduler is the one that polls the writes.
            let iters = opts.iters;
            let task = tokio::spawn(async move { run(&opts, kind).await });
            task.await.expect("subject task panicked").map(|s| (s, iters))
        } else {
            run(&opts, kind).await.map(|s| (s, opts.iters))
        }
    });
    match result {
        Ok((stale, iters)) => {
            println!("stale {stale}/{iters}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("tokio_subjects: {e}");
            ExitCode::from(3)
        }
    }
}
