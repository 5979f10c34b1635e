//! The one place a measure plugs in when it is computed from accumulators that already exist:
//! what it takes from a source's stats, how it is judged, what every report format shows of it
//! and its `explain` text, behind one trait. Such a measure is its own module implementing
//! `Measure`, one line in `ADDED` (measures/mod.rs), one `Rule` arm for its finding id and, when
//! the profile sets its limit, one row of `profile::MEASURE_LIMITS`. Nothing else names it: its
//! output travels in the source's report under its name, and the view, the renderers, the rules
//! and `explain` read it through this trait.

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::fmt::Phrase;
use crate::measures::SourceReport;
use crate::profile::SourceSpec;
use crate::sources::SourceStats;
use crate::verdict::{Check, Finding, Rule};

use super::rules::Ev;

/// Where a registered measure's output sits in the report: a key of the source, or a key of
/// its `labels` (for a measure of the labels, shown in their section).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Within {
    Source,
    Labels,
}

/// What a registered measure made of a source that was read.
pub enum Measurement {
    Taken(Box<dyn Output>),
    /// It applies, but was not taken: why. Its key is then `null`, with `<name>_unmeasured`.
    Unmeasured(String),
    /// It does not apply to this source (the profile did not ask for it): no key at all.
    Absent,
}

/// A measure registered in `ADDED`.
pub trait Measure: Sync {
    /// Its snake_case name: its key in the JSON report.
    fn name(&self) -> &'static str;
    /// Its `explain` topic: its name unless that is too short to stand alone.
    fn topic(&self) -> &'static str {
        self.name()
    }
    /// Where its output and its line go.
    fn within(&self) -> Within {
        Within::Source
    }
    /// The finding it makes; the view shows the measure's line where one judged the source.
    fn rule(&self) -> Rule;
    /// The part of the checklist it belongs to; `explain` lists it with that part's topics.
    fn check(&self) -> Check;
    /// One line for the list `preflight explain` prints.
    fn summary(&self) -> &'static str;
    /// Other words `preflight explain` takes for it: its profile keys, synonyms.
    fn aliases(&self) -> &'static [&'static str];
    /// Its documentation, with the fixed sections `explain::SECTIONS` names.
    fn explain(&self) -> &'static str;
    /// The measure of a source that was read; `report` is its report so far (the built-in
    /// measures), whose columns say which values evidence must mask.
    fn measure(&self, spec: &SourceSpec, stats: &SourceStats, report: &SourceReport) -> Measurement;
    /// Its findings for a source that was read.
    fn judge(&self, spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>);
    /// The heading of its section (or, within the labels, of its paragraph) in the Markdown and
    /// HTML reports.
    fn heading(&self) -> &'static str;
    /// What that section says, or `None` to leave it out; `judged` says whether one of its
    /// findings names the source.
    fn line(&self, s: &SourceReport, judged: bool) -> Option<Phrase>;
    /// An item of the source's one-line summary (the terminal), when it has something to say.
    fn summary_item(&self, s: &SourceReport) -> Option<String>;
}

/// A registered measure's output: any serializable type of its module. The report keeps it
/// typed, for the measure's own rules and lines, and writes it into the JSON as it serializes.
pub trait Output: erased_serde::Serialize + Any + Debug + Send + Sync {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Serialize + Any + Debug + Send + Sync> Output for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

erased_serde::serialize_trait_object!(Output);

/// What one registered measure said about a source.
#[derive(Clone, Debug)]
pub struct Measured {
    pub name: &'static str,
    /// `None` when it was not measured (an unread source, or `unmeasured` says why).
    pub value: Option<Arc<dyn Output>>,
    pub unmeasured: Option<String>,
}

impl PartialEq for Measured {
    fn eq(&self, o: &Measured) -> bool {
        let json = |m: &Measured| m.value.as_deref().map(serde_json::to_value).and_then(Result::ok);
        self.name == o.name && self.unmeasured == o.unmeasured && json(self) == json(o)
    }
}

/// The registered measures' outputs in one place of the report, in `ADDED`'s order. In JSON
/// each is a key (`null` when not measured), followed by `<name>_unmeasured` with the reason
/// when there is one; a measure that does not apply has no entry.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Added(pub Vec<Measured>);

impl Added {
    /// Every registered measure of a source that was read, as `(the source's, its labels')`.
    pub(super) fn measure(spec: &SourceSpec, stats: &SourceStats, report: &SourceReport) -> (Added, Added) {
        let (mut top, mut labels) = (Added::default(), Added::default());
        for m in super::ADDED {
            let (value, unmeasured) = match m.measure(spec, stats, report) {
                Measurement::Taken(v) => (Some(Arc::from(v)), None),
                Measurement::Unmeasured(why) => (None, Some(why)),
                Measurement::Absent => continue,
            };
            let into = match m.within() {
                Within::Source => &mut top,
                Within::Labels => &mut labels,
            };
            into.0.push(Measured { name: m.name(), value, unmeasured });
        }
        (top, labels)
    }

    /// A source that was not read: every measure of the source absent, without a reason.
    pub fn unread() -> Added {
        Added(
            super::ADDED
                .iter()
                .filter(|m| m.within() == Within::Source)
                .map(|m| Measured { name: m.name(), value: None, unmeasured: None })
                .collect(),
        )
    }

    fn find(&self, name: &str) -> Option<&Measured> {
        self.0.iter().find(|m| m.name == name)
    }

    /// The measure `name` in its own type, when it was taken.
    pub fn get<T: Any>(&self, name: &str) -> Option<&T> {
        self.find(name)?.value.as_deref()?.as_any().downcast_ref()
    }

    /// Why `name` was not measured, when it says.
    pub fn unmeasured(&self, name: &str) -> Option<&str> {
        self.find(name)?.unmeasured.as_deref()
    }

    /// Sets the measure `name` (in tests, a value the fixture cannot carry).
    pub fn set<T: Output>(&mut self, name: &'static str, value: Option<T>, unmeasured: Option<String>) {
        let value = value.map(|v| Arc::new(v) as Arc<dyn Output>);
        match self.0.iter_mut().find(|m| m.name == name) {
            Some(m) => (m.value, m.unmeasured) = (value, unmeasured),
            None => self.0.push(Measured { name, value, unmeasured }),
        }
    }
}

impl Serialize for Added {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        for x in &self.0 {
            m.serialize_entry(x.name, &x.value.as_deref())?;
            if let Some(why) = &x.unmeasured {
                m.serialize_entry(&format!("{}_unmeasured", x.name), why)?;
            }
        }
        m.end()
    }
}

/// Every registered measure's findings for a source that was read, in `ADDED`'s order.
pub(super) fn judge(spec: &SourceSpec, report: &SourceReport, ev: &Ev<'_>, out: &mut Vec<Finding>) {
    for m in super::ADDED {
        m.judge(spec, report, ev, out);
    }
}

#[cfg(test)]
mod tests {
    use super::{Added, Measured};

    #[derive(Debug, serde::Serialize)]
    struct Counted {
        rows: u64,
        share: f64,
    }

    #[test]
    fn each_state_is_written_as_the_report_reads_it() {
        let mut a = Added::default();
        a.set("taken", Some(Counted { rows: 3, share: 0.5 }), None);
        a.set::<Counted>("pushed", None, Some("a push-down".into()));
        a.0.push(Measured { name: "unread", value: None, unmeasured: None });
        let json = serde_json::to_string(&a).unwrap_or_default();
        // Fields in the type's order, a reason beside its `null`, an unread measure `null`.
        assert_eq!(
            json,
            r#"{"taken":{"rows":3,"share":0.5},"pushed":null,"pushed_unmeasured":"a push-down","unread":null}"#
        );
        assert_eq!(a.get::<Counted>("taken").map(|c| c.rows), Some(3));
        assert!(a.get::<u64>("taken").is_none(), "another type is not this measure");
        assert_eq!(a.unmeasured("pushed"), Some("a push-down"));
        assert!(a.find("unread").is_some() && a.find("absent").is_none());
    }

    #[test]
    fn an_unread_source_has_a_null_for_each_measure_of_the_source_only() {
        let names: Vec<&str> = Added::unread().0.iter().map(|m| m.name).collect();
        let of_sources: Vec<&str> =
            super::super::ADDED.iter().filter(|m| m.within() == super::Within::Source).map(|m| m.name()).collect();
        // A measure within the labels has nowhere to go: an unread source has no labels.
        assert_eq!(names, of_sources);
    }
}
