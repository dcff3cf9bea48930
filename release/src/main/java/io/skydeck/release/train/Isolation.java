package io.skydeck.release.train;

/** What one app's failure does to the others in its carriage. */
public enum Isolation {
    /** Only the app that failed rolls back (the default: the seed's drawback was the opposite). */
    PER_APP,
    /** One failure rolls the whole carriage back, as the old train did; for apps that must change together. */
    ALL_OR_NOTHING
}
