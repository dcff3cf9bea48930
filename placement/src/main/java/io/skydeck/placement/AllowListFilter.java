package io.skydeck.placement;

import java.util.Set;

/** Keeps a tenant on the providers it is allowed to use; an empty allow-list allows every provider. */
final class AllowListFilter {

    static final String NAME = "allow-list";

    private AllowListFilter() {
    }

    static boolean admits(Zone zone, Set<String> allowedProviders) {
        return allowedProviders.isEmpty() || allowedProviders.contains(zone.provider);
    }
}
