//! `knocklog report --history DIR --since 7d --out DIR`: the weekly report from a
//! history store alone (no logs): the scan's tables for the period, plus new vs
//! returning attackers and the change against the previous period of the same length.

use crate::cli::ReportArgs;
use crate::config::ReportConfig;
use crate::store::Store;
use crate::vocab::text::for_terminal;

pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    let mut config = ReportConfig::from_args(args)?;
    let mut out = crate::output::out_dir::OutputDir::open(&config.output.dir, args.out_follow_symlink)?;
    out.record_inputs("report", [config.history.display().to_string()]);
    let store = Store::open(&config.history, false)?;
    store.ensure_whole()?;
    // The store's sources stand for the scanned paths: logs it read under /var/log
    // make this machine's addresses own addresses, as in a scan of them.
    let source_paths: Vec<std::path::PathBuf> = store.manifest.sources.iter().map(|s| s.path.clone().into()).collect();
    let this_host = crate::config::blocklist::logs_of_this_host(&source_paths);
    super::protect_this_host(&mut config.blocklist, this_host);
    let mut findings =
        crate::store::report::findings(&store, config.days, &config.detect.policy, &config.blocklist, config.now)?;
    config.enrich.labels.label(&mut findings);
    if config.enrich.wants_host_info(this_host) {
        findings.host = Some(crate::enrich::host::read(&config.enrich.proc_root));
    }
    if let Some(dns) = &config.enrich.dns {
        super::DnsRun::open(Some(&store)).visitors(&mut findings, dns, config.output.quiet)?;
    }
    let written = crate::output::write(&findings, &config.output, out, None)?;
    let held = match &findings.origin {
        crate::findings::Origin::Period(p) => p.figures.days_held,
        crate::findings::Origin::Scan(_) => unreachable!("a store period's findings"),
    };
    if held == 0 {
        let why = format!(
            "{}: the store holds no day of {}",
            for_terminal(&store.dir.display().to_string()),
            crate::store::period::describe(config.days)
        );
        return match written.json {
            Some(json) => super::finish_json(json, super::EXIT_INPUT_INCOMPLETE, Some(&why)),
            None => Ok(super::stop(super::EXIT_INPUT_INCOMPLETE, &why)),
        };
    }
    match written.json {
        Some(json) => super::finish_json(json, super::EXIT_OK, None),
        None => Ok(super::EXIT_OK),
    }
}
