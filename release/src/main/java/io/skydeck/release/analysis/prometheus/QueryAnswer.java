package io.skydeck.release.analysis.prometheus;

/** What one PromQL query came to: one number, or the reason there is none. */
public sealed interface QueryAnswer {

    /** A finite number the query evaluated to. */
    record Value(double value) implements QueryAnswer {
    }

    /** No number: the server refused or failed the query, did not answer, or had no data. */
    record NoValue(String why) implements QueryAnswer {
    }
}
