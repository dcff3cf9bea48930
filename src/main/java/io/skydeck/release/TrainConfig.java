package io.skydeck.release;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Release trains: how often the clustered departure job looks for due trains and follows carriages. */
@ConfigMapping(prefix = "skydeck.trains")
public interface TrainConfig {

    /** A Quarkus scheduler period ("5s"), or "off" (tests depart by hand). */
    @WithDefault("5s")
    String checkEvery();
}
