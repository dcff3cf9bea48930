package io.skydeck.release.analysis;

/**
 * What an analysis says about a version: {@code FAILED} rolls back on its own;
 * {@code INCONCLUSIVE} (too little data, a source that did not answer) pauses for a person and
 * never promotes; only {@code SUCCESSFUL} lets a release go on by itself.
 */
public enum Verdict {
    SUCCESSFUL, INCONCLUSIVE, FAILED;

    /** The worse of two verdicts: one failed check fails the analysis, one inconclusive keeps it from succeeding. */
    public Verdict and(Verdict other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
