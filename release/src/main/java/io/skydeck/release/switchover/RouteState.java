package io.skydeck.release.switchover;

/**
 * Where an A/B release's header route is. A route step whose result is not known may have taken
 * effect, so {@link #SETTING} and {@link #CLEARING} count as "maybe set": a rollback or a
 * promotion clears them, and clearing a route that is not there is a no-op of the provider.
 */
public enum RouteState {
    NONE, SETTING, SET, CLEARING
}
