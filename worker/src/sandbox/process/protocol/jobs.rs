//! A job's request, to a process, and its report, back.

use std::time::Duration;

use warren_wire::{ErrorKind, JobError, JobLimits, LogEntry, LogLevel, Outcome};

use crate::sandbox::job::{CacheUse, JobReport, JobRequest, RunReport};
use crate::sandbox::process::codec::{CodecError, Decoder, Encoder, Result};

pub fn put_request(e: &mut Encoder, request: &JobRequest) {
    e.str(&request.job_id)
        .u32(request.attempt)
        .str(&request.code)
        .str(request.input.get());
    e.opt_u64(request.limits.timeout_ms)
        .opt_u64(request.limits.memory_mb);
}

pub fn get_request(d: &mut Decoder<'_>) -> Result<JobRequest> {
    Ok(JobRequest {
        job_id: d.string()?,
        attempt: d.u32()?,
        code: d.string()?,
        input: d.json()?,
        limits: JobLimits {
            timeout_ms: d.opt_u64()?,
            memory_mb: d.opt_u64()?,
        },
    })
}

pub fn put_report(e: &mut Encoder, report: &JobReport) {
    let run = &report.run;
    match &run.outcome {
        Outcome::Ok(value) => {
            e.u8(0).str(value.get());
        }
        Outcome::Error(error) => {
            e.u8(1)
                .u8(kind_code(error.kind))
                .str(&error.message)
                .opt_str(error.stack.as_deref());
        }
    }
    e.u32(run.logs.len() as u32);
    for entry in &run.logs {
        e.u8(level_code(entry.level)).str(&entry.message);
    }
    e.u64(run.wall.as_nanos().try_into().unwrap_or(u64::MAX))
        .u64(run.busy.as_nanos().try_into().unwrap_or(u64::MAX))
        .u64(run.memory_peak_bytes)
        .u8(match report.cache {
            None => 0,
            Some(CacheUse::Hit) => 1,
            Some(CacheUse::Miss) => 2,
        });
}

/// Decodes a report; more than `max_logs` log entries is refused (a process keeps at
/// most the pool's cap plus the truncation notice).
pub fn get_report(d: &mut Decoder<'_>, max_logs: usize) -> Result<JobReport> {
    let outcome = match d.u8()? {
        0 => Outcome::Ok(d.json()?),
        1 => Outcome::Error(JobError {
            kind: kind_from(d.u8()?)?,
            message: d.string()?,
            stack: d.opt_string()?,
        }),
        _ => return Err(CodecError::Invalid("outcome")),
    };
    let count = d.count()?;
    if count > max_logs {
        return Err(CodecError::Invalid("log count"));
    }
    let logs = (0..count)
        .map(|_| {
            Ok(LogEntry {
                level: level_from(d.u8()?)?,
                message: d.string()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let wall = Duration::from_nanos(d.u64()?);
    let busy = Duration::from_nanos(d.u64()?);
    let memory_peak_bytes = d.u64()?;
    let cache = match d.u8()? {
        0 => None,
        1 => Some(CacheUse::Hit),
        2 => Some(CacheUse::Miss),
        _ => return Err(CodecError::Invalid("cache use")),
    };
    Ok(JobReport {
        run: RunReport {
            outcome,
            logs,
            wall,
            busy,
            memory_peak_bytes,
        },
        cache,
        broke: None,
    })
}

fn kind_code(kind: ErrorKind) -> u8 {
    ErrorKind::ALL
        .iter()
        .position(|k| *k == kind)
        .map_or(u8::MAX, |i| i as u8)
}

fn kind_from(code: u8) -> Result<ErrorKind> {
    ErrorKind::ALL
        .get(usize::from(code))
        .copied()
        .ok_or(CodecError::Invalid("error kind"))
}

fn level_code(level: LogLevel) -> u8 {
    LogLevel::ALL.iter().position(|l| *l == level).unwrap_or(0) as u8
}

fn level_from(code: u8) -> Result<LogLevel> {
    LogLevel::ALL
        .get(usize::from(code))
        .copied()
        .ok_or(CodecError::Invalid("log level"))
}

#[cfg(test)]
mod tests {
    use super::super::{decoding, round_trip};
    use super::*;
    use crate::sandbox::process::codec::LENGTH_BYTES;

    #[test]
    fn requests_and_reports_cross_intact() {
        let request = JobRequest {
            job_id: "j-1".into(),
            attempt: 3,
            code: "export default (x) => x".into(),
            input: serde_json::value::RawValue::from_string(r#"{"a":[1,2]}"#.into()).expect("json"),
            limits: JobLimits {
                timeout_ms: Some(250),
                memory_mb: None,
            },
        };
        let back = round_trip(|e| put_request(e, &request), get_request);
        assert_eq!(back.job_id, "j-1");
        assert_eq!(back.attempt, 3);
        assert_eq!(back.code, request.code);
        assert_eq!(back.input.get(), request.input.get());
        assert_eq!(back.limits, request.limits);

        let report = JobReport {
            run: RunReport {
                outcome: Outcome::Error(JobError {
                    kind: ErrorKind::Crash,
                    message: "boom".into(),
                    stack: Some("at f".into()),
                }),
                logs: vec![LogEntry {
                    level: LogLevel::Warn,
                    message: "w".into(),
                }],
                wall: Duration::from_micros(1234),
                busy: Duration::from_micros(321),
                memory_peak_bytes: 77,
            },
            cache: Some(CacheUse::Miss),
            broke: None,
        };
        let back = round_trip(|e| put_report(e, &report), |d| get_report(d, 10));
        match (&back.run.outcome, &report.run.outcome) {
            (Outcome::Error(a), Outcome::Error(b)) => assert_eq!(a, b),
            other => panic!("outcome changed: {other:?}"),
        }
        assert_eq!(back.run.logs, report.run.logs);
        assert_eq!(back.run.wall, report.run.wall);
        assert_eq!(back.run.busy, report.run.busy);
        assert_eq!(back.run.memory_peak_bytes, 77);
        assert_eq!(back.cache, Some(CacheUse::Miss));
    }

    #[test]
    fn hostile_reports_are_refused_not_trusted() {
        let report_of = |frame: Vec<u8>, max_logs| {
            let (_, mut d) = Decoder::frame(&frame[LENGTH_BYTES..]).expect("frame");
            get_report(&mut d, max_logs)
        };
        // A count larger than the frame cannot make the reader allocate.
        let frame = decoding(|e| {
            e.u8(0).str("{}").u32(u32::MAX);
        });
        assert!(report_of(frame, 1000).is_err());
        // Nor can more log entries than the pool keeps, however small.
        let frame = decoding(|e| {
            e.u8(0).str("{}").u32(3);
            for _ in 0..3 {
                e.u8(0).str("");
            }
            e.u64(0).u64(0).u8(0);
        });
        assert!(report_of(frame, 2).is_err());
        // A result value that is not JSON is refused.
        let frame = decoding(|e| {
            e.u8(0).str("{not json");
        });
        assert!(report_of(frame, 1000).is_err());
        // An error kind past the known ones is refused.
        let frame = decoding(|e| {
            e.u8(1).u8(200);
        });
        assert!(report_of(frame, 1000).is_err());
    }
}
