//! When to poll: a pure function of the record (as persisted) and the environment.
//!
//! Runs (operations) climb a ladder by age, measured from `started_at` (or `created_at` while
//! queued): every [`RUN_YOUNG_EVERY`] for the first [`RUN_YOUNG_FOR`], then every
//! [`RUN_MIDDLE_EVERY`] until [`RUN_MIDDLE_UNTIL`], then every [`RUN_OLD_EVERY`]. A young run
//! moves fast and its watcher wants each step; an old one is probably stuck on something slow.
//! The latest report of a team is polled every [`REPORT_EVERY`] while it is `queued` or
//! `generating`.
//!
//! Never polled: a terminal record (or one whose status is unknown or missing), a hidden page,
//! while an interaction guard is held (an open modal or edit form), while realtime is live and
//! subscribed to the record's team (events keep it current), and after the server said 401 or
//! 404 (shown once, never retried in a loop).

use std::time::Duration;

use data_farm_protocol::{Operation, Report};

use super::clock::epoch_ms;

/// The first interval of a run's ladder.
pub const RUN_YOUNG_EVERY: Duration = Duration::from_secs(1);
/// How long a run counts as young.
pub const RUN_YOUNG_FOR: Duration = Duration::from_secs(30);
/// The second interval.
pub const RUN_MIDDLE_EVERY: Duration = Duration::from_secs(5);
/// The age at which a run counts as old.
pub const RUN_MIDDLE_UNTIL: Duration = Duration::from_secs(5 * 60);
/// The interval for old runs.
pub const RUN_OLD_EVERY: Duration = Duration::from_secs(10);
/// The interval for a report being produced.
pub const REPORT_EVERY: Duration = Duration::from_secs(10);

/// The environment at the moment of deciding.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PollContext {
    /// Milliseconds since the Unix epoch.
    pub now_ms: f64,
    /// The page is hidden (`document.visibilityState`).
    pub hidden: bool,
    /// An interaction guard is held.
    pub guarded: bool,
    /// Realtime is live and subscribed to the record's team.
    pub realtime_covers: bool,
    /// The server answered 401 or 404 for it.
    pub denied: bool,
}

impl PollContext {
    /// Whether anything in the environment rules polling out.
    pub fn blocks(&self) -> bool {
        self.hidden || self.guarded || self.realtime_covers || self.denied
    }
}

/// The ladder step for a run of this age.
///
/// ```
/// use std::time::Duration;
/// use data_farm::polling::ladder;
/// assert_eq!(ladder(Duration::from_secs(3)), Duration::from_secs(1));
/// assert_eq!(ladder(Duration::from_secs(60)), Duration::from_secs(5));
/// assert_eq!(ladder(Duration::from_secs(3600)), Duration::from_secs(10));
/// ```
pub fn ladder(age: Duration) -> Duration {
    if age < RUN_YOUNG_FOR {
        RUN_YOUNG_EVERY
    } else if age < RUN_MIDDLE_UNTIL {
        RUN_MIDDLE_EVERY
    } else {
        RUN_OLD_EVERY
    }
}

/// How long to wait before fetching `run` again; `None`: do not poll.
pub fn run_interval(run: Option<&Operation>, ctx: &PollContext) -> Option<Duration> {
    let run = run?;
    if !run.status.is_active() || ctx.blocks() {
        return None;
    }
    let since = run.started_at.as_deref().unwrap_or(&run.created_at);
    // An unreadable timestamp counts as young: better one request too many than a stuck view.
    let age_ms = epoch_ms(since).map_or(0.0, |at| (ctx.now_ms - at).max(0.0));
    Some(ladder(Duration::from_millis(age_ms as u64)))
}

/// How long to wait before fetching the team's latest report again; `None`: do not poll (also
/// when the team has no report).
pub fn report_interval(latest: Option<&Report>, ctx: &PollContext) -> Option<Duration> {
    let latest = latest?;
    (latest.status.is_active() && !ctx.blocks()).then_some(REPORT_EVERY)
}

#[cfg(test)]
mod tests {
    use data_farm_protocol::{OperationStatus, Outcome, ReportStatus, SummaryCounts, Target};

    use super::*;

    const START: &str = "2026-11-23T10:00:00.000000Z";

    fn start_ms() -> f64 {
        epoch_ms(START).unwrap()
    }

    fn run(status: OperationStatus) -> Operation {
        Operation {
            id: "op_1".into(),
            version: 2,
            updated_at: START.into(),
            team_id: "team_1".into(),
            op_type: "instance.deploy".into(),
            target: Target {
                target_type: "instance".into(),
                id: "inst_1".into(),
            },
            status,
            outcome: (status == OperationStatus::Completed).then_some(Outcome::Succeeded),
            summary_counts: SummaryCounts::default(),
            failure_summary: None,
            initiated_by: "user_1".into(),
            created_at: START.into(),
            started_at: Some(START.into()),
            completed_at: None,
        }
    }

    fn report(status: ReportStatus) -> Report {
        Report {
            id: "rep_1".into(),
            version: 1,
            updated_at: START.into(),
            team_id: "team_1".into(),
            status,
            summary: None,
            generated_at: None,
            expires_at: None,
            file_size: None,
            operation_id: None,
            initiated_by: "user_1".into(),
        }
    }

    fn at(seconds: f64) -> PollContext {
        PollContext {
            now_ms: start_ms() + seconds * 1000.0,
            ..PollContext::default()
        }
    }

    #[test]
    fn the_ladder_at_each_age_boundary() {
        let r = run(OperationStatus::Running);
        let every = |s: f64| run_interval(Some(&r), &at(s));
        assert_eq!(every(0.0), Some(RUN_YOUNG_EVERY));
        assert_eq!(every(29.999), Some(RUN_YOUNG_EVERY));
        assert_eq!(every(30.0), Some(RUN_MIDDLE_EVERY));
        assert_eq!(every(299.999), Some(RUN_MIDDLE_EVERY));
        assert_eq!(every(300.0), Some(RUN_OLD_EVERY));
        assert_eq!(every(86_400.0), Some(RUN_OLD_EVERY));
    }

    #[test]
    fn a_queued_run_ages_from_its_creation() {
        let mut r = run(OperationStatus::Queued);
        r.started_at = None;
        assert_eq!(run_interval(Some(&r), &at(45.0)), Some(RUN_MIDDLE_EVERY));
    }

    #[test]
    fn terminal_unknown_and_missing_runs_are_not_polled() {
        for status in [OperationStatus::Completed, OperationStatus::Unknown] {
            assert_eq!(
                run_interval(Some(&run(status)), &at(1.0)),
                None,
                "{status:?}"
            );
        }
        assert_eq!(run_interval(None, &at(1.0)), None);
    }

    #[test]
    fn hidden_guarded_covered_or_denied_rule_polling_out() {
        let r = run(OperationStatus::Running);
        let cases = [
            PollContext {
                hidden: true,
                ..at(1.0)
            },
            PollContext {
                guarded: true,
                ..at(1.0)
            },
            PollContext {
                realtime_covers: true,
                ..at(1.0)
            },
            PollContext {
                denied: true,
                ..at(1.0)
            },
        ];
        for ctx in cases {
            assert_eq!(run_interval(Some(&r), &ctx), None, "{ctx:?}");
            assert_eq!(
                report_interval(Some(&report(ReportStatus::Generating)), &ctx),
                None
            );
        }
        // Once realtime drops, the ladder resumes where the run's age puts it.
        assert_eq!(run_interval(Some(&r), &at(40.0)), Some(RUN_MIDDLE_EVERY));
    }

    #[test]
    fn a_report_is_polled_only_while_it_is_being_produced() {
        assert_eq!(
            report_interval(None, &at(0.0)),
            None,
            "no report: no polling"
        );
        for (status, expected) in [
            (ReportStatus::Queued, Some(REPORT_EVERY)),
            (ReportStatus::Generating, Some(REPORT_EVERY)),
            (ReportStatus::Ready, None),
            (ReportStatus::Failed, None),
            (ReportStatus::Expired, None),
            (ReportStatus::Unknown, None),
        ] {
            assert_eq!(
                report_interval(Some(&report(status)), &at(0.0)),
                expected,
                "{status:?}"
            );
        }
    }

    #[test]
    fn an_unreadable_start_counts_as_young() {
        let mut r = run(OperationStatus::Running);
        r.started_at = Some("not a time".into());
        assert_eq!(run_interval(Some(&r), &at(999.0)), Some(RUN_YOUNG_EVERY));
    }
}
