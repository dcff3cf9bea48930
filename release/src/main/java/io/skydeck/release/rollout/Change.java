package io.skydeck.release.rollout;

/**
 * One transition, for the record a driver keeps (database, audit, event stream): of the release
 * when {@code instance} is null, else of that instance.
 */
public record Change(String instance, String from, String to, String reason) {

    static Change ofRelease(ReleaseState from, ReleaseState to, String reason) {
        return new Change(null, from.name(), to.name(), reason);
    }

    static Change ofInstance(String instance, InstanceState from, InstanceState to, String reason) {
        return new Change(instance, from.name(), to.name(), reason);
    }
}
