package io.skydeck.platform.security;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code java -jar quarkus-run.jar token --role admin [--tenant ID] [--subject NAME] [--hours N] [--console [--url BASE]]}:
 * prints a token signed with the key under the data directory (created if missing), so a
 * newcomer can call the API of a service running on its embedded defaults.
 *
 * <p>With {@code --console} it prints a link to the web console instead, the token in the URL's
 * fragment ({@code BASE/console#token=…}): a browser never sends a fragment to the server, so the
 * token reaches no access log; the console moves it into the tab's session storage and strips it
 * from the address bar.
 */
public final class TokenCommand {

    private TokenCommand() {
    }

    public static int run(String... args) {
        String role = null;
        String tenant = null;
        String subject = null;
        long hours = 12;
        boolean console = false;
        String url = "http://localhost:8080";
        String dataDir = firstNonBlank(System.getenv("SKYDECK_DATA_DIR"), System.getProperty("user.home") + "/.skydeck");
        try {
            for (int i = 1; i < args.length; i++) {
                switch (args[i]) {
                    case "--role" -> role = args[++i];
                    case "--tenant" -> tenant = args[++i];
                    case "--subject" -> subject = args[++i];
                    case "--hours" -> hours = Long.parseLong(args[++i]);
                    case "--data-dir" -> dataDir = args[++i];
                    case "--console" -> console = true;
                    case "--url" -> url = args[++i];
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (role == null) {
                throw new IllegalArgumentException("--role is required");
            }
            Path keys = Path.of(dataDir).toAbsolutePath().resolve("keys");
            if (subject == null) {
                subject = Roles.TENANT.equals(role) ? "tenant-user@" + tenant : role + "@skydeck";
            }
            SigningKeys signingKeys = SigningKeys.in(keys).ensureExist();
            String issuer = firstNonBlank(System.getenv("SKYDECK_JWT_ISSUER"), TokenMinter.ISSUER);
            String token = new TokenMinter(signingKeys.privateKey(), issuer)
                    .mint(subject, role, tenant, Instant.now(), Duration.ofHours(hours));
            System.out.println(console ? consoleLink(url, token) : token);
            return Files.exists(keys) ? 0 : 1;
        } catch (RuntimeException e) {
            System.err.println("token: " + e.getMessage());
            System.err.println("usage: token --role tenant|finance|scheduler|admin [--tenant TENANT_ID] "
                    + "[--subject NAME] [--hours N] [--data-dir DIR] [--console [--url BASE]]");
            return 2;
        }
    }

    /** The console's address on the service at base, carrying the token in the fragment only. */
    static String consoleLink(String base, String token) {
        String root = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        if (root.contains("#") || root.contains("?")) {
            throw new IllegalArgumentException("--url takes the service's base address, e.g. http://localhost:8080");
        }
        return root + "/console#token=" + token;
    }

    private static String firstNonBlank(String a, String b) {
        return a == null || a.isBlank() ? b : a;
    }
}
