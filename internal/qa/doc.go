// Package qa holds quality-assurance evaluations: the forms supervisors
// score agents' work against, the evaluations themselves, the agent's
// acknowledgement or dispute of them, and the weekly random samples of
// contacts to evaluate. Evaluations are the source of two of Anchor's
// metrics, `accuracy` and `treatment`; Stats is what the metric engine reads.
//
// # The scoring scheme
//
// A form has weighted criteria, each in one category: accuracy (correct
// information given, correct data entered), treatment (courtesy, empathy,
// clarity) or process. Every criterion is scored with a whole number from 0
// to 100; a yes/no check is scored 100 (yes) or 0 (no). A criterion is
// failed when its score is below its pass_score (default 50).
//
//   - accuracy_defect: some accuracy criterion failed. Which ones is kept per
//     criterion (Evaluation.Defects, and the failed flag of each score), so
//     that "wrong information given" and "wrong data entered" can be told
//     apart.
//   - treatment_score: Σ weight×score / Σ weight over the treatment criteria,
//     rounded to two decimals; absent when the form has none.
//   - total_score: the same weighted mean over every criterion.
//
// A form without accuracy criteria cannot find an accuracy defect, so its
// evaluations are left out of the accuracy metric rather than counted as
// defect-free; likewise a form without treatment criteria for treatment.
//
// # Lifecycle
//
// An evaluation is submitted by a supervisor (or director, or admin), and
// the evaluated agent then acknowledges it or disputes it with a reason. A
// supervisor resolves a dispute: upheld, with the scores that change (the
// computed fields are recomputed and the earlier scores kept as a revision),
// or rejected with a note. Forms are versioned: editing one makes a new
// version, and an evaluation keeps the version it was scored on.
package qa
