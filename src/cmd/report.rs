//! `knocklog report --history DIR --since 7d --out DIR`: the weekly report from a
//! history store alone (no logs): the scan's tables for the period, plus new vs
//! returning attackers and the change against the previous period of the same length.
//! DIR may be a fleet (`server=NAME/` stores side by side): its servers are read as one.

use crate::cli::ReportArgs;
use crate::config::ReportConfig;
use crate::store::fleet::Server;
use crate::store::Store;
use crate::vocab::text::for_terminal;

/// What the report reads: one store, or a fleet's.
enum Input {
    Store(Store),
    Fleet(Vec<(Server, Store)>),
}

impl Input {
    fn open(dir: &std::path::Path) -> anyhow::Result<Input> {
        if let Some(servers) = crate::store::fleet::servers(dir)? {
            return Ok(Input::Fleet(crate::store::fleet_report::open(servers)?));
        }
        let store = Store::open(dir, false)?;
        store.ensure_whole()?;
        Ok(Input::Store(store))
    }

    fn stores(&self) -> Vec<&Store> {
        match self {
            Input::Store(store) => vec![store],
            Input::Fleet(servers) => servers.iter().map(|(_, store)| store).collect(),
        }
    }
}

pub fn run(args: &ReportArgs) -> anyhow::Result<u8> {
    let mut config = ReportConfig::from_args(args)?;
    let mut out = crate::output::out_dir::OutputDir::open(&config.output.dir, args.out_follow_symlink)?;
    out.record_inputs("report", [config.history.display().to_string()]);
    let input = Input::open(&config.history)?;
    // The stores' sources stand for the scanned paths: logs one of them read under
    // /var/log make this machine's addresses own addresses, as in a scan of them.
    let source_paths: Vec<std::path::PathBuf> =
        input.stores().iter().flat_map(|s| s.manifest.sources.iter().map(|s| s.path.clone().into())).collect();
    let this_host = crate::config::blocklist::logs_of_this_host(&source_paths);
    super::protect_this_host(&mut config.blocklist, this_host);
    let (policy, settings) = (&config.detect.policy, &config.blocklist);
    let mut findings = match &input {
        Input::Store(store) => crate::store::report::findings(store, config.days, policy, settings, config.now)?,
        Input::Fleet(servers) => {
            crate::store::fleet_report::findings(&config.history, servers, config.days, policy, settings, config.now)?
        }
    };
    config.enrich.labels.label(&mut findings);
    if config.enrich.wants_host_info(this_host) {
        findings.host = Some(crate::enrich::host::read(&config.enrich.proc_root));
    }
    if let Some(dns) = &config.enrich.dns {
        // A fleet has no one store to keep the answers in: they last for this run.
        let cache = match &input {
            Input::Store(store) => Some(store),
            Input::Fleet(_) => None,
        };
        super::DnsRun::open(cache).visitors(&mut findings, dns, config.output.quiet)?;
    }
    let written = crate::output::write(&findings, &config.output, out, None)?;
    let held = match &findings.origin {
        crate::findings::Origin::Period(p) => p.figures.days_held,
        crate::findings::Origin::Scan(_) => unreachable!("a store period's findings"),
    };
    if held == 0 {
        let what = match &input {
            Input::Store(_) => "the store holds",
            Input::Fleet(_) => "no server of the fleet holds",
        };
        let why = format!(
            "{}: {what} no day of {}",
            for_terminal(&config.history.display().to_string()),
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
