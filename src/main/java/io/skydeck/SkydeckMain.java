package io.skydeck;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import io.skydeck.platform.security.TokenCommand;

/**
 * Entry point. {@code token ...} prints a bearer token and exits without starting the
 * service (so it never touches the database); anything else runs Skydeck.
 */
@QuarkusMain
public final class SkydeckMain {

    private SkydeckMain() {
    }

    public static void main(String... args) {
        if (args.length > 0 && "token".equals(args[0])) {
            System.exit(TokenCommand.run(args));
        }
        Quarkus.run(args);
    }
}
