//! One file per subcommand, each with its own arguments; each returns the process's
//! exit code. This file: what they share to report errors and reach the broker.

pub mod bench;
pub mod dlq;
pub mod quarantine;
pub mod run;
pub mod status;
pub mod submit;

/// Reports a usage or connection error; exit code 2.
pub fn usage_error(err: impl std::fmt::Display) -> u8 {
    eprintln!("warren: {err:#}");
    2
}

/// Runs `future` to its exit code on a runtime of its own.
pub fn with_runtime(future: impl std::future::Future<Output = u8>) -> u8 {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(future),
        Err(err) => usage_error(err),
    }
}

/// Connects to one of the brokers `args` name, or reports why not (exit code 2).
async fn connect(args: &crate::args::BrokerArgs) -> Result<lapin::Connection, u8> {
    let brokers = warren_amqp::brokers::Brokers::parse(&args.amqp_urls)
        .map_err(|err| usage_error(format!("--amqp-url: {err}")))?;
    match brokers.connect(brokers.random_start(), "warren").await {
        Ok((_, connection)) => Ok(connection),
        Err(failed) => Err(usage_error(format!("cannot reach the broker: {failed}"))),
    }
}
