package io.skydeck.placement;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PlacementEngineTest {

    private static final Resources HOST = Resources.of(64, 262_144);
    private static final HourlyRate CHEAP = HourlyRate.perVcpu("0.010");
    private static final HourlyRate USUAL = HourlyRate.perVcpu("0.020");
    private static final HourlyRate DEAR = HourlyRate.perVcpu("0.040");

    private static Host host(String provider, String region, String zone, String id, HourlyRate rate) {
        return new Host(provider, ProviderKind.SANDBOX, region, zone, id, HOST, rate);
    }

    private static PlacementRequest request(String id, int vcpu, PlacementHints hints) {
        return new PlacementRequest(id, "tenant-1", Resources.of(vcpu, vcpu * 4096L), hints);
    }

    private static PlacementDecision.Placed placed(PlacementDecision decision) {
        assertThat(decision).isInstanceOf(PlacementDecision.Placed.class);
        return (PlacementDecision.Placed) decision;
    }

    private static PlacementDecision.Unplaceable unplaceable(PlacementDecision decision) {
        assertThat(decision).isInstanceOf(PlacementDecision.Unplaceable.class);
        return (PlacementDecision.Unplaceable) decision;
    }

    @Test
    void aHostWithACreateInFlightComesLastAmongThoseThatFitAndIsStillChosenWhenNoOtherFits() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        for (String id : List.of("h1", "h2", "h3")) {
            engine.addHost(host("sandbox", "r1", "a", id, USUAL));
        }
        // Packing: committed work on h1 makes it the policy's choice for the next request.
        String packed = placed(engine.place(request("committed", 8, PlacementHints.none()))).target().hostId();
        assertThat(placed(engine.preview(request("probe", 8, PlacementHints.none()))).target().hostId()).isEqualTo(packed);

        // One create in flight on that host: a concurrent one goes elsewhere, and a third avoids both.
        String first = placed(engine.place(request("first", 8, PlacementHints.none()), List.of("committed-elsewhere"))).target().hostId();
        assertThat(first).isEqualTo(packed);
        String second = placed(engine.place(request("second", 8, PlacementHints.none()), List.of("first"))).target().hostId();
        assertThat(second).isNotEqualTo(packed);
        String third = placed(engine.place(request("third", 8, PlacementHints.none()), List.of("first", "second"))).target().hostId();
        assertThat(third).isNotIn(packed, second);

        // Every host busy: the policy's best of them, as without the in-flight ones.
        String fourth = placed(engine.place(request("fourth", 8, PlacementHints.none()), List.of("first", "second", "third")))
                .target().hostId();
        assertThat(fourth).isEqualTo(placed(engine.preview(request("probe-2", 8, PlacementHints.none()))).target().hostId());

        // A host the in-flight work leaves too little room on is not a candidate either way.
        PlacementEngine small = new PlacementEngine(PlacementPolicy.defaults());
        small.addHost(host("sandbox", "r1", "a", "only", USUAL));
        placed(small.place(request("big", 60, PlacementHints.none()), List.of()));
        unplaceable(small.place(request("too-big", 8, PlacementHints.none()), List.of("big")));
    }

    @Test
    void antiAffinityMembersNeverShareAHostAndTheFourthMemberOfThreeHostsIsRefused() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        for (String id : List.of("h1", "h2", "h3")) {
            engine.addHost(host("sandbox", "r1", "a", id, USUAL));
        }
        PlacementHints db = PlacementHints.none().withAntiAffinityGroup("db");

        Set<String> hosts = new HashSet<>();
        for (int i = 1; i <= 3; i++) {
            hosts.add(placed(engine.place(request("db-" + i, 2, db))).target().hostId());
        }
        PlacementDecision.Unplaceable fourth = unplaceable(engine.place(request("db-4", 2, db)));

        assertThat(hosts).containsExactlyInAnyOrder("h1", "h2", "h3");
        assertThat(fourth.rejectedBy()).containsExactly(Map.entry("anti-affinity", 3));
    }

    @Test
    void antiAffinityGroupsOfDifferentTenantsDoNotConstrainEachOther() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", USUAL));
        PlacementHints db = PlacementHints.none().withAntiAffinityGroup("db");

        engine.place(new PlacementRequest("x", "tenant-1", Resources.of(1, 1024), db));
        PlacementDecision other = engine.place(new PlacementRequest("y", "tenant-2", Resources.of(1, 1024), db));

        assertThat(placed(other).target().hostId()).isEqualTo("h1");
    }

    @Test
    void aRequestThatFitsNowhereNamesEachFilterWithTheNumberOfHostsItRejected() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", USUAL));
        engine.addHost(host("sandbox", "r1", "a", "h2", USUAL), Resources.of(60, 1024));
        engine.addHost(host("sandbox", "r1", "b", "h3", DEAR));
        engine.addHost(host("sandbox", "r2", "a", "h4", USUAL));
        engine.addHost(host("sandbox", "r2", "a", "h5", USUAL));
        // 8 vCPU at 0.020 = 0.16 and at 0.040 = 0.32; the ceiling 0.20 admits only the 0.020 hosts.
        engine.place(request("blocker", 60, PlacementHints.none().inRegion("r1").inZone("a")));
        PlacementHints hints = PlacementHints.none().inRegion("r1").withMaxHourlyPrice(new BigDecimal("0.20"));

        PlacementDecision.Unplaceable decision = unplaceable(engine.place(request("big", 8, hints)));

        // r2 holds h4, h5; h1 has 4 vCPU left after the blocker, h2 had 4 from the start; h3 is too dear.
        // Price runs before capacity: the index prices a whole shelf of hosts at once.
        assertThat(decision.rejectedBy()).containsExactly(
                Map.entry("region", 2), Map.entry("price", 1), Map.entry("capacity", 2));
        assertThat(decision.hostsConsidered()).isEqualTo(5);
        assertThat(decision.reason()).isEqualTo("no host fits: region rejected 2, price rejected 1, capacity rejected 2");
    }

    @Test
    void anEmptyInventorySaysSoInsteadOfNamingFilters() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());

        PlacementDecision.Unplaceable decision = unplaceable(engine.place(request("r", 1, PlacementHints.none())));

        assertThat(decision.rejectedBy()).isEmpty();
        assertThat(decision.reason()).isEqualTo("no host fits: the inventory has no hosts");
    }

    @Test
    void aPriceCeilingAdmitsAHostPricedExactlyAtItAndRejectsDearerOnes() {
        // Cost does not weigh here, so only the filter can keep the request off the dearer host,
        // which also wins ties by name ("a-dear" sorts first).
        PlacementEngine engine = new PlacementEngine(new PlacementPolicy(0, 1, PlacementPolicy.Packing.PACK));
        engine.addHost(host("a-dear", "r1", "a", "h1", DEAR));
        engine.addHost(host("b-usual", "r1", "a", "h2", USUAL));
        // 4 vCPU × 0.020 = 0.080, exactly the ceiling; 4 × 0.040 = 0.160 is over it.
        PlacementHints ceiling = PlacementHints.none().withMaxHourlyPrice(new BigDecimal("0.08"));

        PlacementDecision.Placed decision = placed(engine.place(request("r", 4, ceiling)));

        assertThat(decision.target().provider()).isEqualTo("b-usual");
        assertThat(decision.hourlyPrice()).isEqualByComparingTo("0.08");
        assertThat(decision.rejectedBy()).containsExactly(Map.entry("price", 1));
    }

    @Test
    void aHostThatSellsByFlavorCanOnlyTakeRequestsForAFlavorItSells() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("aws", "r1", "a", "i-1",
                new HourlyRate.PerFlavor(Map.of("m.large", new BigDecimal("0.096")))));

        PlacementDecision named = engine.preview(request("a", 2, PlacementHints.none().withFlavor("m.large")));
        PlacementDecision unnamed = engine.preview(request("b", 2, PlacementHints.none()));

        assertThat(placed(named).hourlyPrice()).isEqualByComparingTo("0.096");
        assertThat(unplaceable(unnamed).rejectedBy()).containsExactly(Map.entry("price", 1));
    }

    @Test
    void packingChoosesTheBusyHostAndSpreadingTheIdleOne() {
        PlacementEngine packing = new PlacementEngine(new PlacementPolicy(1, 1, PlacementPolicy.Packing.PACK));
        PlacementEngine spreading = new PlacementEngine(new PlacementPolicy(1, 1, PlacementPolicy.Packing.SPREAD));
        for (PlacementEngine engine : List.of(packing, spreading)) {
            engine.addHost(host("sandbox", "r1", "a", "idle", USUAL));
            engine.addHost(host("sandbox", "r1", "a", "busy", USUAL), Resources.of(32, 131_072));
        }

        String packed = placed(packing.place(request("r", 4, PlacementHints.none()))).target().hostId();
        String spread = placed(spreading.place(request("r", 4, PlacementHints.none()))).target().hostId();

        assertThat(packed).isEqualTo("busy");
        assertThat(spread).isEqualTo("idle");
    }

    @Test
    void theScoreBreakdownShowsEachWeighersShareAndSumsToTheTotal() {
        PlacementEngine engine = new PlacementEngine(new PlacementPolicy(1, 2, PlacementPolicy.Packing.PACK, 1));
        engine.addHost(host("sandbox", "r1", "a", "half-full", USUAL), Resources.of(32, 131_072));
        engine.addHost(host("sandbox", "r1", "a", "cheap", CHEAP));
        engine.addHost(host("sandbox", "r1", "a", "dear", DEAR));

        // 8 vCPU, 32 GiB. Prices: half-full 0.16, cheap 0.08, dear 0.32 → cost (0.32 − 0.16) / 0.24 = 2/3.
        // Use after: half-full (32+8)/64 = (128+32)/256 = 0.625; the idle ones 0.125 → pack 1 for half-full.
        // No GPU hosts: gpu-reserve ties at 1. Total 1 × 2/3 + 2 × 1 + 1 × 1 = 11/3 (cheap: 1 + 0 + 1 = 2).
        PlacementDecision.Placed decision = placed(engine.place(request("r", 8, PlacementHints.none())));

        assertThat(decision.target().hostId()).isEqualTo("half-full");
        List<ScoreBreakdown.WeigherScore> scores = decision.score().weighers();
        assertThat(scores).extracting(ScoreBreakdown.WeigherScore::weigher).containsExactly("cost", "pack", "gpu-reserve");
        assertThat(scores.get(0).raw()).isCloseTo(0.16, within(1e-12));
        assertThat(scores.get(0).normalised()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(scores.get(1).raw()).isCloseTo(0.625, within(1e-12));
        assertThat(scores.get(1).weighted()).isCloseTo(2.0, within(1e-12));
        assertThat(scores.get(2).weighted()).isCloseTo(1.0, within(1e-12));
        assertThat(decision.score().total()).isCloseTo(11.0 / 3, within(1e-12));
        assertThat(decision.score().total())
                .isEqualTo(scores.get(0).weighted() + scores.get(1).weighted() + scores.get(2).weighted());
        assertThat(decision.hostsPassed()).isEqualTo(3);
    }

    @Test
    void cpuWorkStaysOffGpuHostsWhileOtherHostsFit() {
        PlacementEngine engine = new PlacementEngine(new PlacementPolicy(0, 0, PlacementPolicy.Packing.PACK, 1));
        engine.addHost(new Host("sandbox", ProviderKind.SANDBOX, "r1", "a", "a-gpu", Resources.of(64, 262_144, 4), USUAL));
        engine.addHost(host("sandbox", "r1", "a", "b-cpu", USUAL));

        String cpu = placed(engine.place(request("cpu", 4, PlacementHints.none()))).target().hostId();
        String gpu = placed(engine.place(new PlacementRequest("gpu", "tenant-1", Resources.of(4, 1024, 1))))
                .target().hostId();

        assertThat(cpu).isEqualTo("b-cpu");
        assertThat(gpu).isEqualTo("a-gpu");
    }

    @Test
    void equalScoresGoToTheFirstHostInProviderRegionZoneHostOrderWhateverTheOrderHostsCameIn() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r2", "a", "h0", USUAL));
        engine.addHost(host("sandbox", "r1", "b", "h0", USUAL));
        engine.addHost(host("sandbox", "r1", "a", "h9", USUAL));
        engine.addHost(host("sandbox", "r1", "a", "h2", USUAL));

        PlacementDecision.Placed decision = placed(engine.place(request("r", 1, PlacementHints.none())));

        assertThat(decision.target()).hasToString("sandbox/r1/a/h2");
    }

    @Test
    void affinityMembersFollowTheFirstMemberIntoItsZoneEvenWhenAnotherZoneIsCheaper() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", DEAR));
        engine.addHost(host("sandbox", "r1", "a", "h2", DEAR));
        engine.addHost(host("sandbox", "r1", "b", "h3", CHEAP));
        PlacementHints web = PlacementHints.none().withAffinityGroup("web");

        placed(engine.place(request("web-1", 40, web.inZone("a"))));
        PlacementDecision.Placed second = placed(engine.place(request("web-2", 40, web)));
        PlacementDecision.Unplaceable third = unplaceable(engine.place(request("web-3", 40, web)));

        assertThat(second.target().zone()).isEqualTo("a");
        assertThat(second.rejectedBy()).containsExactly(Map.entry("affinity", 1), Map.entry("capacity", 1));
        assertThat(third.rejectedBy()).containsExactly(Map.entry("affinity", 1), Map.entry("capacity", 2));
    }

    @Test
    void anAffinityGroupIsFreeToMoveOnceItsLastMemberIsReleased() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", DEAR));
        engine.addHost(host("sandbox", "r1", "b", "h2", CHEAP));
        PlacementHints web = PlacementHints.none().withAffinityGroup("web");
        engine.place(request("web-1", 1, web.inZone("a")));

        engine.release("web-1");
        PlacementDecision.Placed next = placed(engine.place(request("web-2", 1, web)));

        assertThat(next.target().zone()).isEqualTo("b");
    }

    @Test
    void providerKindAndAllowListRejectWholeProviders() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(new Host("os", ProviderKind.OPENSTACK, "r1", "a", "h1", HOST, USUAL));
        engine.addHost(new Host("os", ProviderKind.OPENSTACK, "r1", "a", "h2", HOST, USUAL));
        engine.addHost(new Host("aws", ProviderKind.AWS, "r1", "a", "h3", HOST, USUAL));
        engine.addHost(new Host("k8s", ProviderKind.KUBERNETES, "r1", "a", "h4", HOST, USUAL));
        PlacementRequest request = new PlacementRequest("r", "tenant-1", Resources.of(1, 1024),
                PlacementHints.none().withProviderKind(ProviderKind.AWS), Set.of("os", "k8s"));

        PlacementDecision.Unplaceable decision = unplaceable(engine.place(request));

        assertThat(decision.rejectedBy()).containsExactly(Map.entry("allow-list", 1), Map.entry("provider-kind", 3));
    }

    @Test
    void releaseGivesBackExactlyTheCapacityAPlacementTook() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        Host h1 = host("sandbox", "r1", "a", "h1", USUAL);
        engine.addHost(h1);

        engine.place(request("r", 6, PlacementHints.none()));
        Resources during = engine.freeCapacity(h1.target()).orElseThrow();
        boolean released = engine.release("r");

        assertThat(during).isEqualTo(Resources.of(58, 262_144 - 6 * 4096));
        assertThat(released).isTrue();
        assertThat(engine.freeCapacity(h1.target())).contains(HOST);
        assertThat(engine.hostsInUse()).isZero();
        assertThat(engine.release("r")).isFalse();
    }

    @Test
    void aReleasedAntiAffinityMemberFreesItsHostForTheGroup() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", USUAL));
        PlacementHints db = PlacementHints.none().withAntiAffinityGroup("db");
        engine.place(request("db-1", 1, db));

        engine.release("db-1");

        assertThat(placed(engine.place(request("db-2", 1, db))).target().hostId()).isEqualTo("h1");
    }

    @Test
    void theManualOverridePlacesOnTheNamedHostButStillAppliesEveryFilter() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        Host cheap = host("sandbox", "r1", "a", "cheap", CHEAP);
        Host dear = host("sandbox", "r1", "a", "dear", DEAR);
        engine.addHost(cheap);
        engine.addHost(dear);
        PlacementHints db = PlacementHints.none().withAntiAffinityGroup("db");

        PlacementDecision.Placed forced = placed(engine.placeOn(request("db-1", 2, db), dear.target()));
        PlacementDecision.Unplaceable refused = unplaceable(engine.placeOn(request("db-2", 2, db), dear.target()));

        assertThat(forced.target()).isEqualTo(dear.target());
        assertThat(forced.hostsConsidered()).isEqualTo(1);
        assertThat(refused.rejectedBy()).containsExactly(Map.entry("anti-affinity", 1));
        assertThat(engine.allocation("db-1")).hasValueSatisfying(a -> assertThat(a.target()).isEqualTo(dear.target()));
        assertThat(engine.allocation("db-2")).isEmpty();
    }

    @Test
    void previewDecidesWithoutReservingAnything() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        Host h1 = host("sandbox", "r1", "a", "h1", USUAL);
        engine.addHost(h1);

        placed(engine.preview(request("r", 8, PlacementHints.none())));

        assertThat(engine.freeCapacity(h1.target())).contains(HOST);
        assertThat(engine.allocation("r")).isEmpty();
    }

    @Test
    void placingTheSameRequestTwiceIsRefused() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", USUAL));
        engine.place(request("r", 1, PlacementHints.none()));

        assertThatThrownBy(() -> engine.place(request("r", 1, PlacementHints.none())))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already placed");
    }

    @Test
    void theCapacityViewSumsEachZoneAndCountsHostsInUse() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", USUAL));
        engine.addHost(host("sandbox", "r1", "a", "h2", USUAL), Resources.of(4, 4096));
        engine.addHost(host("sandbox", "r1", "b", "h3", USUAL));
        engine.place(request("r", 8, PlacementHints.none().inZone("a")));

        List<ZoneCapacity> view = engine.capacity();

        // Zone a: 128 vCPU; 4 used outside placement and 8 placed (on h2, the busier) leave 116.
        assertThat(view).containsExactly(
                new ZoneCapacity("sandbox", ProviderKind.SANDBOX, "r1", "a", 2, 1,
                        Resources.of(128, 524_288), Resources.of(116, 524_288 - 4096 - 8 * 4096)),
                new ZoneCapacity("sandbox", ProviderKind.SANDBOX, "r1", "b", 1, 0, HOST, HOST));
    }

    @Test
    void foldHandlesBothOutcomes() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", USUAL));

        String fits = engine.preview(request("a", 1, PlacementHints.none()))
                .fold(p -> "on " + p.target(), u -> u.reason());
        String tooBig = engine.preview(request("b", 65, PlacementHints.none()))
                .fold(p -> "on " + p.target(), u -> u.reason());

        assertThat(fits).isEqualTo("on sandbox/r1/a/h1");
        assertThat(tooBig).isEqualTo("no host fits: capacity rejected 1");
    }

    @Test
    void pricesFinerThanAMillionthAreRefused() {
        assertThatThrownBy(() -> HourlyRate.perVcpu("0.0000001")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLargeZoneIsWeighedThroughABoundedCandidateSetThatAccountsForEveryHost() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        for (int i = 0; i < 500; i++) {
            // Hosts 0-99 have 2 vCPU left, too few; 100-499 have 8, 16, 24 … free.
            engine.addHost(host("sandbox", "r1", "a", "h" + i, USUAL),
                    i < 100 ? Resources.of(62, 0) : Resources.of(64 - 8 * (1 + i % 8), 0));
        }

        PlacementDecision.Placed decision = placed(engine.place(request("r", 4, PlacementHints.none())));

        // One shelf (one zone, one rate, no GPUs): 4 from the packed end, 1 from the idle end, 2 sampled.
        assertThat(decision.hostsPassed()).isEqualTo(7);
        assertThat(decision.rejectedBy()).containsExactly(Map.entry("capacity", 100));
        assertThat(decision.hostsUnexamined()).isEqualTo(500 - 100 - 7);
        // The busiest host that fits: 8 vCPU free (hosts 100, 108, 116 …; the first by name wins the tie).
        assertThat(engine.freeCapacity(decision.target()).orElseThrow().vcpu()).isEqualTo(4);
    }

    @Test
    void whenTheBoundedSetFindsTooFewTheSearchGoesOnToTheLastHostBeforeSayingNo() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        for (int i = 0; i < 300; i++) {
            // All 300 share the bucket of 64 free vCPUs; only the last has the memory as well.
            engine.addHost(host("sandbox", "r1", "a", "h" + i, USUAL), Resources.of(0, i == 299 ? 0 : 262_144 - 1024));
        }

        PlacementDecision.Placed fits = placed(engine.place(request("big", 40, PlacementHints.none())));
        PlacementDecision.Unplaceable nothing = unplaceable(engine.place(request("bigger", 40, PlacementHints.none())));

        assertThat(fits.target().hostId()).isEqualTo("h299");
        assertThat(fits.hostsUnexamined()).isZero();
        assertThat(nothing.rejectedBy()).containsExactly(Map.entry("capacity", 300));
    }

    @Test
    void theSameSeedGivesTheSameDecisions() {
        List<String> first = decisions(new PlacementEngine(new PlacementPolicy(1, 1, PlacementPolicy.Packing.SPREAD), 7));
        List<String> again = decisions(new PlacementEngine(new PlacementPolicy(1, 1, PlacementPolicy.Packing.SPREAD), 7));

        assertThat(again).isEqualTo(first);
        assertThat(new HashSet<>(first)).hasSizeGreaterThan(50);
    }

    /** 400 requests spread over 600 identical hosts in 3 zones: the random sample decides between equals. */
    private static List<String> decisions(PlacementEngine engine) {
        for (int i = 0; i < 600; i++) {
            engine.addHost(host("sandbox", "r1", "z" + i % 3, "h" + i, USUAL));
        }
        List<String> targets = new java.util.ArrayList<>();
        for (int i = 0; i < 400; i++) {
            PlacementHints hints = i % 5 == 0 ? PlacementHints.none().withAntiAffinityGroup("g" + i % 7)
                    : PlacementHints.none();
            targets.add(placed(engine.place(request("r" + i, 1 + i % 8, hints))).target().hostId());
        }
        return targets;
    }

    @Test
    void hostLoadsShowEachHostsFreeCapacityAndAllocationsAfterPlacements() {
        PlacementEngine engine = new PlacementEngine(PlacementPolicy.defaults());
        engine.addHost(host("sandbox", "r1", "a", "h1", USUAL));
        engine.addHost(host("sandbox", "r1", "b", "h2", USUAL));
        PlacementTarget used = placed(engine.place(request("web-1", 2, PlacementHints.none().inZone("b")))).target();

        assertThat(engine.hostLoads()).extracting(h -> h.target().hostId(), HostLoad::allocations)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("h1", 0), org.assertj.core.groups.Tuple.tuple("h2", 1));
        HostLoad h2 = engine.hostLoads().get(1);
        assertThat(h2.target()).isEqualTo(used);
        assertThat(h2.capacity().vcpu() - h2.free().vcpu()).isEqualTo(2);
        assertThat(engine.hostLoads().get(0).free()).isEqualTo(engine.hostLoads().get(0).capacity());
    }
}
