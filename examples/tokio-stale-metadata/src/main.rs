//! tokio issue 7378 in a dozen lines: `write_all(..).await` returns once tokio
//! has *buffered* the bytes; the write(2) itself runs later on a blocking-pool
//! thread.  `metadata()` runs its statx(2) on another pool thread and often
//! overtakes the write, so it sees the file still empty.
//!
//! The fix is one line: `file.flush().await?` before looking at the file.

use tokio::io::AsyncWriteExt;

const REPORT: &[u8] = b"status: ok\n";
const ROUNDS: u32 = 200;

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let dir = std::env::temp_dir().join(format!("tokio-stale-metadata-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await?;

    let mut stale = 0;
    for round in 0..ROUNDS {
        let path = dir.join(format!("report-{round}.txt"));
        let mut file = tokio::fs::File::create(&path).await?;
        file.write_all(REPORT).await?;
        // BUG: missing `file.flush().await?;` here.
        let len = file.metadata().await?.len();
        if len != REPORT.len() as u64 {
            stale += 1;
        }
    }

    tokio::fs::remove_dir_all(&dir).await?;
    println!("{stale} of {ROUNDS} metadata() calls saw a stale length");
    Ok(())
}
