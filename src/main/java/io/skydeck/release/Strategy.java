package io.skydeck.release;

/**
 * The six ways of the seed's continuous delivery. {@link #ROLLING} (the Tars flow) and
 * {@link #CANARY} (steps by traffic weight or instance count, see {@link CanarySpec}) are carried
 * out so far; the service answers the others with a 400 naming {@code strategy}.
 */
public enum Strategy {
    ROLLING, BLUE_GREEN, CANARY, DARK, AB_TEST, RECREATE
}
