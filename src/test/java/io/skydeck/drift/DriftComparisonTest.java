package io.skydeck.drift;

import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.drift.DriftComparison.InCloud;
import io.skydeck.drift.DriftComparison.Recorded;
import io.skydeck.drift.DriftFinding.Kind;
import io.skydeck.drift.DriftFinding.Origin;
import io.skydeck.drift.DriftFinding.ResourceType;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class DriftComparisonTest {

    private static final UUID TENANT = UUID.fromString("00000000-0000-0000-0000-00000000000a");
    private static final UUID WEB = UUID.fromString("11111111-1111-1111-1111-111111111111");
    private static final UUID LOST = UUID.fromString("22222222-2222-2222-2222-222222222222");
    private static final UUID GONE = UUID.fromString("33333333-3333-3333-3333-333333333333");
    private static final UUID NEW = UUID.fromString("44444444-4444-4444-4444-444444444444");

    private static InCloud cloud(String id, String token) {
        return new InCloud(id, Optional.ofNullable(token).map(IdempotencyToken::of), "n-" + id, "r1");
    }

    private static Recorded record(UUID id, String providerId) {
        return new Recorded(id, TENANT, "s-" + id.toString().substring(0, 4), "r1", providerId, false);
    }

    @Test
    void aServerBothSidesKnowIsNoDriftAndTheOthersAreClassified() {
        List<InCloud> inCloud = List.of(cloud("i-web", "skydeck-" + WEB), cloud("i-lost", "skydeck-" + LOST),
                cloud("i-console", null), cloud("i-terraform", "terraform-run-7"));
        List<Recorded> records = List.of(record(WEB, "i-web"), record(GONE, "i-gone"));

        List<DriftFinding> findings = DriftComparison.compare("aws", ResourceType.SERVER, inCloud, records, records);

        assertThat(findings).containsExactlyInAnyOrder(
                new DriftFinding("aws", Kind.ORPHAN, Origin.SKYDECK_TOKEN, ResourceType.SERVER, "i-lost", LOST, null, "n-i-lost", "r1"),
                new DriftFinding("aws", Kind.ORPHAN, Origin.NO_TOKEN, ResourceType.SERVER, "i-console", null, null, "n-i-console", "r1"),
                new DriftFinding("aws", Kind.ORPHAN, Origin.NO_TOKEN, ResourceType.SERVER, "i-terraform", null, null, "n-i-terraform", "r1"),
                new DriftFinding("aws", Kind.GHOST, Origin.RECORDED, ResourceType.SERVER, "i-gone", GONE, TENANT, "s-3333", "r1"));
    }

    @Test
    void aCreateThatLandsBetweenTheTwoReadsIsNeitherOrphanNorGhost() {
        // Before the listing the record has no provider id; after it, the create has been recorded.
        List<Recorded> before = List.of(new Recorded(NEW, TENANT, "new", "r1", null, false));
        List<Recorded> after = List.of(record(NEW, "i-new"));

        assertThat(DriftComparison.compare("aws", ResourceType.SERVER, List.of(cloud("i-new", "skydeck-" + NEW)), before, after))
                .isEmpty();
        // and a create completing after the listing (not yet listed) is no ghost either
        assertThat(DriftComparison.compare("aws", ResourceType.SERVER, List.of(), before, after)).isEmpty();
    }

    @Test
    void aResourceBeingDeletedIsNoGhostWhenGoneAndNoOrphanWhileStillThere() {
        List<Recorded> deleting = List.of(new Recorded(WEB, TENANT, "web", "r1", "i-web", true));

        assertThat(DriftComparison.compare("aws", ResourceType.SERVER, List.of(), deleting, deleting)).isEmpty();
        assertThat(DriftComparison.compare("aws", ResourceType.SERVER, List.of(cloud("i-web", "skydeck-" + WEB)), deleting, deleting))
                .isEmpty();
    }

    @Test
    void workloadTokensCarryTheirIdAfterAKindPrefix() {
        assertThat(DriftComparison.skydeckIdOf(IdempotencyToken.of("skydeck-wl-" + WEB))).contains(WEB);
        assertThat(DriftComparison.skydeckIdOf(IdempotencyToken.of("skydeck-" + WEB))).contains(WEB);
        assertThat(DriftComparison.skydeckIdOf(IdempotencyToken.of("other-" + WEB))).isEmpty();
    }
}
