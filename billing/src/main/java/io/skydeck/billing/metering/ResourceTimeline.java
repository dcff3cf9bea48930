package io.skydeck.billing.metering;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * A resource's billable history rebuilt from all of its events.
 *
 * <p>The timeline is always recomputed from the full, time-ordered event list instead of being
 * updated incrementally: a late or out-of-order event then simply lands in its place and every
 * later interval is re-derived, with no "undo" logic. Ties on the same instant are broken by
 * event id so that the result never depends on arrival order.
 *
 * <p>State rules: CREATED and STARTED make the resource exist and run; STOPPED stops it (it
 * still exists, so attached public IPs keep accruing, as providers charge for them); RESIZED
 * and REPORTED only change the shape; DELETED and FAILED end it, and anything after the end is
 * ignored. REQUESTED is not billable.
 */
public final class ResourceTimeline {

    /** A span of constant state; {@code end} is {@code null} while it is still open. */
    public record Segment(Instant start, Instant end, boolean running, ResourceSpec spec) {
    }

    /** Egress bytes reported at an instant. */
    public record EgressSample(Instant at, long bytes) {
    }

    private static final ResourceSpec UNKNOWN_SPEC = new ResourceSpec("unknown", BigDecimal.ZERO, 0, 0, 0);

    private final LifecycleEvent identity;
    private final List<Segment> segments;
    private final List<EgressSample> egress;

    private ResourceTimeline(LifecycleEvent identity, List<Segment> segments, List<EgressSample> egress) {
        this.identity = identity;
        this.segments = List.copyOf(segments);
        this.egress = List.copyOf(egress);
    }

    /** Builds the timeline of one resource; all events must share its resource id. */
    public static ResourceTimeline of(Collection<LifecycleEvent> events) {
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a timeline needs at least one event");
        }
        List<LifecycleEvent> ordered = new ArrayList<>(events);
        ordered.sort(Comparator.comparing(LifecycleEvent::occurredAt).thenComparing(LifecycleEvent::eventId));
        LifecycleEvent first = ordered.get(0);
        boolean standaloneIp = first.resourceKind() == ResourceKind.PUBLIC_IP;

        List<Segment> segments = new ArrayList<>();
        List<EgressSample> egress = new ArrayList<>();
        boolean exists = false;
        boolean running = false;
        ResourceSpec spec = standaloneIp ? ResourceSpec.publicIp() : null;
        Instant since = null;

        for (LifecycleEvent e : ordered) {
            if (!e.resourceId().equals(first.resourceId())) {
                throw new IllegalArgumentException("events of two resources in one timeline: "
                        + first.resourceId() + ", " + e.resourceId());
            }
            boolean nextExists = exists;
            boolean nextRunning = running;
            ResourceSpec nextSpec = e.spec() != null ? e.spec() : spec;
            switch (e.kind()) {
                case REQUESTED, RESIZED, REPORTED -> { }
                case CREATED, STARTED -> {
                    nextExists = true;
                    nextRunning = true;
                }
                case STOPPED -> nextRunning = false;
                case DELETED, FAILED -> {
                    nextExists = false;
                    nextRunning = false;
                }
            }
            if (e.egressBytes() > 0) {
                egress.add(new EgressSample(e.occurredAt(), e.egressBytes()));
            }
            if (exists && since != null && (nextExists != exists || nextRunning != running || !java.util.Objects.equals(nextSpec, spec))) {
                segments.add(new Segment(since, e.occurredAt(), running, effective(spec)));
                since = null;
            }
            if (nextExists && since == null) {
                since = e.occurredAt();
            }
            exists = nextExists;
            running = nextRunning;
            spec = nextSpec;
            if (e.kind() == LifecycleEventKind.DELETED || e.kind() == LifecycleEventKind.FAILED) {
                break; // the end is final: a resource id is never reused after deletion

            }
        }
        if (exists && since != null) {
            segments.add(new Segment(since, null, running, effective(spec)));
        }
        return new ResourceTimeline(first, segments, egress);
    }

    private static ResourceSpec effective(ResourceSpec spec) {
        return spec != null ? spec : UNKNOWN_SPEC;
    }

    public List<Segment> segments() {
        return segments;
    }

    public List<EgressSample> egress() {
        return egress;
    }

    /** The event whose identity fields (tenant, provider, region, kind) describe the resource. */
    public LifecycleEvent identity() {
        return identity;
    }
}
