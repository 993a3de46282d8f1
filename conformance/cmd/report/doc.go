// Command report turns a conformance run's JUnit XML into Kite's scoreboard.
//
// conformance/run.sh calls it; nothing else does. It has three subcommands:
//
//	report regex FILE              print an anchored ginkgo focus regex for the specs FILE lists
//	report count -tests T SELECTED print how many specs a dry run's JUnit file selected
//	report status [flags]          score a run: write STATUS.md, grow passing.txt, print totals
//
// Invariants it keeps:
//
//   - Every spec the run selected (the suite's own dry run says which) is counted exactly
//     once: passed only if ginkgo passed it; skipped only if skip.txt names it (with its
//     reason) or the suite itself skipped it with a message; failed otherwise, including
//     specs that never ran because the suite's set-up failed or the run timed out.
//   - passing.txt only grows: the program adds newly passing specs and never removes a
//     line. A spec leaves it only by hand, with a reason in the commit message.
//
// Spec names are the suite's full names as `e2e.test --list-tests` prints them. ginkgo's
// JUnit file appends labels to each name, so the report maps names back through that list.
package main
