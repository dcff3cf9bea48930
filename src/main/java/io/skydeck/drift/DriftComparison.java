package io.skydeck.drift;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.drift.DriftFinding.Kind;
import io.skydeck.drift.DriftFinding.Origin;
import io.skydeck.drift.DriftFinding.ResourceType;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares one provider's resources of one type with Skydeck's records of them. Pure: the
 * detector reads both sides and stores what this returns.
 *
 * <p>The records are read twice, once before the provider is listed and once after, because
 * the two kinds of drift race with opposite operations: a create that lands between the reads
 * must not look like an orphan (so orphans are judged against the later read, which has the new
 * record), and a create that completes after the listing must not look like a ghost (so ghosts
 * are judged against the earlier read, which does not have its provider id yet).
 */
public final class DriftComparison {

    /** What the provider lists: its id, the create token if it carries one, a name and a region. */
    public record InCloud(String id, Optional<IdempotencyToken> token, String name, String region) {
    }

    /**
     * A record that still claims a resource — its status is not final — and the provider id it
     * has once the create succeeded ({@code null} before). A deleting record's resource may be gone
     * already, which is what the delete is for: it is no ghost, but its resource is no orphan either.
     */
    public record Recorded(UUID id, UUID tenantId, String name, String region, String providerResourceId, boolean deleting) {
    }

    private static final Pattern SKYDECK_TOKEN =
            Pattern.compile("skydeck-(?:[a-z]+-)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})");

    private DriftComparison() {
    }

    public static List<DriftFinding> compare(String provider, ResourceType type, List<InCloud> cloud,
                                             List<Recorded> before, List<Recorded> after) {
        List<DriftFinding> findings = new ArrayList<>();
        Set<String> knownProviderIds = new HashSet<>();
        Set<UUID> knownIds = new HashSet<>();
        for (Recorded r : after) {
            knownIds.add(r.id());
            if (r.providerResourceId() != null) {
                knownProviderIds.add(r.providerResourceId());
            }
        }
        Set<String> inCloud = new HashSet<>();
        for (InCloud c : cloud) {
            inCloud.add(c.id());
            Optional<UUID> skydeckId = c.token().flatMap(DriftComparison::skydeckIdOf);
            boolean known = knownProviderIds.contains(c.id()) || skydeckId.map(knownIds::contains).orElse(false);
            if (!known) {
                findings.add(new DriftFinding(provider, Kind.ORPHAN, skydeckId.isPresent() ? Origin.SKYDECK_TOKEN : Origin.NO_TOKEN,
                        type, c.id(), skydeckId.orElse(null), null, c.name(), c.region()));
            }
        }
        for (Recorded r : before) {
            if (!r.deleting() && r.providerResourceId() != null && !inCloud.contains(r.providerResourceId())) {
                findings.add(new DriftFinding(provider, Kind.GHOST, Origin.RECORDED, type, r.providerResourceId(), r.id(),
                        r.tenantId(), r.name(), r.region()));
            }
        }
        return findings;
    }

    /** The Skydeck id in a create token ("skydeck-<uuid>", "skydeck-wl-<uuid>"); empty for anyone else's token. */
    static Optional<UUID> skydeckIdOf(IdempotencyToken token) {
        Matcher m = SKYDECK_TOKEN.matcher(token.value());
        return m.matches() ? Optional.of(UUID.fromString(m.group(1))) : Optional.empty();
    }
}
