package io.skydeck.platform.security;

import java.util.List;

/** The four roles of DESIGN.md's users table, as they appear in a token's {@code groups}. */
public final class Roles {
    public static final String TENANT = "tenant";
    public static final String FINANCE = "finance";
    public static final String SCHEDULER = "scheduler";
    public static final String ADMIN = "admin";
    public static final List<String> ALL = List.of(TENANT, FINANCE, SCHEDULER, ADMIN);

    private Roles() {
    }
}
