package io.skydeck.release.canary;

import java.time.Instant;

/** What the driver does next for a canary. */
public sealed interface CanaryAction {

    /** Route {@code percent} of the traffic to the new version; report with {@link Canary#weightSet}. */
    record SetWeight(int percent) implements CanaryAction {
    }

    /** Nothing until {@code until}; then call {@link Canary#tick}. */
    record WaitUntil(Instant until) implements CanaryAction {
    }

    /** Judge the new version now; report with {@link Canary#analysed}. */
    record Analyse(int step) implements CanaryAction {
    }

    /** Nothing to do until a person acts. */
    record AwaitPerson(String why) implements CanaryAction {
    }

    /** Finished. */
    record Done(CanaryState state) implements CanaryAction {
    }
}
