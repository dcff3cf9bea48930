package io.skydeck.placement;

/** Honours a request for one kind of cloud (e.g. only Kubernetes). */
final class ProviderKindFilter {

    static final String NAME = "provider-kind";

    private ProviderKindFilter() {
    }

    static boolean admits(Zone zone, ProviderKind wanted) {
        return wanted == null || zone.kind == wanted;
    }
}
