// A correct tokio program for the hardening workload: every write is flushed
// before the file is observed, so awaitaudit must report nothing manifested.
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn work(dir: std::path::PathBuf) -> std::io::Result<u64> {
    let mut total = 0;
    for i in 0..50u64 {
        let path = dir.join(format!("f{i}.txt"));
        let mut f = tokio::fs::File::create(&path).await?;
        f.write_all(format!("line {i}\n").repeat(i as usize + 1).as_bytes()).await?;
        f.flush().await?;
        let len = f.metadata().await?.len();
        let mut back = String::new();
        tokio::fs::File::open(&path).await?.read_to_string(&mut back).await?;
        assert_eq!(len as usize, back.len());
        total += len;
    }
    Ok(total)
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: hardening-tokio DIR");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let total = rt.block_on(work(dir.into())).unwrap();
    println!("bytes {total}");
}
