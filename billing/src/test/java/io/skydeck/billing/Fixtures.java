package io.skydeck.billing;

import io.skydeck.billing.metering.LifecycleEvent;
import io.skydeck.billing.metering.LifecycleEventKind;
import io.skydeck.billing.metering.ResourceKind;
import io.skydeck.billing.metering.ResourceSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/** Small builders shared by the tests; no base classes. */
public final class Fixtures {

    public static final ResourceSpec M1_LARGE = ResourceSpec.server("m1.large", 4, 8192, 0, 0);
    public static final ResourceSpec M1_XLARGE = ResourceSpec.server("m1.xlarge", 8, 16384, 0, 0);

    private Fixtures() {
    }

    public static Instant at(String iso) {
        return Instant.parse(iso);
    }

    public static Clock clockAt(String iso) {
        return Clock.fixed(at(iso), ZoneOffset.UTC);
    }

    public static LifecycleEvent server(String eventId, String resourceId, LifecycleEventKind kind, String iso, ResourceSpec spec) {
        return event(eventId, "acme", resourceId, ResourceKind.SERVER, kind, iso, spec, 0);
    }

    public static LifecycleEvent event(String eventId, String tenant, String resourceId, ResourceKind resourceKind,
                                       LifecycleEventKind kind, String iso, ResourceSpec spec, long egressBytes) {
        return new LifecycleEvent(eventId, tenant, resourceId, "i-" + resourceId, "aws", "eu-west-1", resourceKind, kind,
                at(iso), spec, egressBytes);
    }
}
