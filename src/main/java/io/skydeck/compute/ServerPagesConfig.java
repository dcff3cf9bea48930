package io.skydeck.compute;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

/** {@code skydeck.servers.kept-pages}: how many pages of {@code GET /v1/servers} a replica keeps ({@link ServerPages}); 0 keeps none. */
@ConfigMapping(prefix = "skydeck.servers.kept-pages")
public interface ServerPagesConfig {

    @WithParentName
    @WithDefault("1000")
    int max();
}
