//! Tests of the `[review]` table: defaults, declarations and the mistakes people make in it.

use std::path::Path;

use super::*;

const SOURCE: &str = "[[sources]]\nname = \"t\"\npath = \"t.csv\"\n";

fn review_of(table: &str) -> Result<Review, Vec<Problem>> {
    let text = format!("[pilot]\nname = \"p\"\n\n{table}\n{SOURCE}");
    match Profile::from_str(Path::new("p.toml"), &text) {
        Ok(p) => Ok(p.review),
        Err(e) => Err(e.problems().to_vec()),
    }
}

#[test]
fn review_defaults_and_declarations() {
    assert_eq!(review_of(""), Ok(Review::default()));
    let r = review_of(
        "[review]\nworkflow_fit = { status = \"pass\", by = \"Dana\", note = \"agents see drafts\" }\n\
         rollout_plan = { status = \"unknown\" }\nmonitoring_window = \"3d\"\n",
    );
    let Ok(r) = r else { panic!("{r:?}") };
    assert!(r.present);
    assert_eq!(r.line, 4);
    assert_eq!(
        r.workflow_fit,
        Some(Declaration {
            status: ReviewStatus::Pass,
            by: Some("Dana".into()),
            note: Some("agents see drafts".into())
        })
    );
    assert_eq!(r.rollout_plan, Some(Declaration { status: ReviewStatus::Unknown, by: None, note: None }));
    assert_eq!((r.business_metric, r.monitoring), (None, None));
    assert_eq!(r.monitoring_window, 3 * 86_400);
    assert_eq!(review_of("[review]\n").map(|r| (r.present, r.monitoring_window)), Ok((true, 48 * 3600)));
}

#[test]
fn review_mistakes_are_located_and_explained() {
    let problems = review_of(
        "[review]\nworkflow_fitt = { status = \"pass\", by = \"x\" }\nrollout_plan = { status = \"passed\", by = \"x\" }\n\
         monitoring = { status = \"fail\" }\nbusiness_metric = \"pass\"\nowner = \"a\"\nmonitoring_window = \"0h\"\n\
         [review.workflow_fit]\nstatus = \"pass\"\nby = \"x\"\nwho = 1\n",
    )
    .err()
    .unwrap_or_default();
    let got: Vec<(usize, &str, &str)> = problems.iter().map(|p| (p.line, p.key.as_str(), p.message.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (5, "review.workflow_fitt", "unknown key `workflow_fitt`"),
            (6, "review.rollout_plan.status", "unknown status `passed`"),
            (7, "review.monitoring.by", "a declared pass or fail needs the name of who declared it"),
            (
                8,
                "review.business_metric",
                "expected a table such as `{ status = \"pass\", by = \"…\", note = \"…\" }`, found string"
            ),
            (9, "review.owner", "the Owner row is not declared in `[review]`"),
            (10, "review.monitoring_window", "`monitoring_window` must be longer than zero"),
            (14, "review.workflow_fit.who", "unknown key `who`"),
        ]
    );
    let hints: Vec<Option<&str>> = problems.iter().map(|p| p.hint.as_deref()).collect();
    assert_eq!(hints[0], Some("did you mean `workflow_fit`?"));
    assert_eq!(hints[1], Some("did you mean `pass`?"));
    assert_eq!(hints[4], Some("name the one accountable person as `owner = \"…\"` under `[pilot]`"));
}
