package io.skydeck.connectors.sandbox;

import io.skydeck.connectors.spi.ContainerResources;
import io.skydeck.connectors.spi.IdempotencyToken;
import io.skydeck.connectors.spi.NetworkSpec;
import io.skydeck.connectors.spi.Networks;
import io.skydeck.connectors.spi.Resources;
import io.skydeck.connectors.spi.ServerSpec;
import io.skydeck.connectors.spi.Servers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@link FileStateStore}'s journal: a restart replays it onto the snapshot and arrives at the
 * state the calls left, whatever point a crash cut the files at; one mutation appends what it
 * changed, not the cloud.
 */
class SandboxJournalTest {
    private static final Instant APRIL_1 = Instant.parse("2024-04-01T00:00:00Z");

    @TempDir
    Path directory;
    @TempDir
    Path otherDirectory;
    private final MutableClock clock = new MutableClock(APRIL_1);

    private SandboxCloud open(SandboxStateStore store) {
        return new SandboxCloud("sandbox", SandboxTopology.defaultTopology(), store, clock);
    }

    /** Creates, settles, stops (closing usage segments) and deletes (removing entries): every kind of change. */
    private static void playCalls(SandboxCloud cloud, MutableClock clock, int servers) {
        var api = cloud.require(Servers.class);
        var ids = new ArrayList<String>();
        for (int i = 0; i < servers; i++) {
            ids.add(api.create(ServerSpec.of("web-" + i, "sbx-east-1", "m1.tiny", "debian-12"), IdempotencyToken.of("t-" + i))
                    .resource().id());
            clock.advance(Duration.ofMinutes(1));
        }
        for (int i = 0; i < servers; i += 5) {
            api.stop(ids.get(i));
        }
        clock.advance(Duration.ofMinutes(1));
        for (int i = 1; i < servers; i += 7) {
            api.delete(ids.get(i), IdempotencyToken.of("d-" + i));
        }
        clock.advance(Duration.ofMinutes(1));
        cloud.require(Networks.class).createNetwork(new NetworkSpec("tenant-net", "sbx-east-1", Optional.of("10.20.0.0/16"),
                Map.of()), IdempotencyToken.of("net-1"));
        clock.advance(Duration.ofMinutes(1));
        api.list(); // settles, in memory only
        api.create(ServerSpec.of("last", "sbx-east-1", "m1.tiny", "debian-12"), IdempotencyToken.of("last"));
    }

    /** The document of a state, whatever journal line its snapshot happened to stop at. */
    private static String document(SandboxState state) {
        long sequence = state.journalSequence;
        state.journalSequence = 0;
        String document = new String(SandboxJson.write(state), StandardCharsets.UTF_8);
        state.journalSequence = sequence;
        return document;
    }

    private List<String> journalLines(Path in) throws Exception {
        return Files.readAllLines(in.resolve(FileStateStore.JOURNAL_FILE));
    }

    @Test
    void aRestartReplaysTheSameStateWithAndWithoutSnapshotsInBetween() throws Exception {
        var journalOnly = open(FileStateStore.journalOnly(directory));
        playCalls(journalOnly, clock, 40);
        var live = document(journalOnly.state());
        var otherClock = new MutableClock(APRIL_1);
        var snapshotting = new SandboxCloud("sandbox", SandboxTopology.defaultTopology(), otherDirectory, otherClock);
        playCalls(snapshotting, otherClock, 40);

        assertThat(directory.resolve(FileStateStore.STATE_FILE)).doesNotExist();
        assertThat(otherDirectory.resolve(FileStateStore.STATE_FILE)).exists();
        assertThat(journalLines(otherDirectory)).as("changes since the last snapshot").isNotEmpty();
        var fromJournal = document(open(new FileStateStore(directory)).state());
        var fromSnapshotAndJournal = document(open(new FileStateStore(otherDirectory)).state());
        assertThat(fromJournal).isEqualTo(live);
        assertThat(fromSnapshotAndJournal).isEqualTo(live);
        assertThat(live).as("stops closed usage segments").contains("\"end\":\"2024-04-01T");
    }

    @Test
    void theSameCallsWriteTheSameSnapshotAndJournal() throws Exception {
        playCalls(SandboxCloud.withDefaultTopology(directory, clock), clock, 30);
        var otherClock = new MutableClock(APRIL_1);
        playCalls(SandboxCloud.withDefaultTopology(otherDirectory, otherClock), otherClock, 30);

        assertThat(Files.readAllBytes(otherDirectory.resolve(FileStateStore.STATE_FILE)))
                .isEqualTo(Files.readAllBytes(directory.resolve(FileStateStore.STATE_FILE)));
        assertThat(journalLines(otherDirectory)).isEqualTo(journalLines(directory));
    }

    @Test
    void aTornLastLineIsIgnoredAndTheNextMutationAppendsCleanly() throws Exception {
        var before = open(FileStateStore.journalOnly(directory));
        playCalls(before, clock, 5);
        var expected = document(before.state());
        Files.writeString(directory.resolve(FileStateStore.JOURNAL_FILE), "{\"sequence\":99,\"servers\":{\"srv-0",
                java.nio.file.StandardOpenOption.APPEND);

        var after = open(FileStateStore.journalOnly(directory));
        assertThat(document(after.state())).isEqualTo(expected);
        after.require(Servers.class).create(ServerSpec.of("after", "sbx-east-1", "m1.tiny", "debian-12"),
                IdempotencyToken.of("after"));
        var withCreate = document(after.state());

        assertThat(journalLines(directory)).noneMatch(line -> line.contains("\"sequence\":99"));
        assertThat(document(open(FileStateStore.journalOnly(directory)).state())).isEqualTo(withCreate);
    }

    @Test
    void aCorruptLineBeforeTheLastFailsTheRestartNamingTheLine() throws Exception {
        playCalls(open(FileStateStore.journalOnly(directory)), clock, 3);
        var lines = new ArrayList<>(journalLines(directory));
        lines.set(1, lines.get(1).substring(0, 20) + "#" + lines.get(1).substring(21));
        Files.write(directory.resolve(FileStateStore.JOURNAL_FILE), lines);

        assertThatThrownBy(() -> open(new FileStateStore(directory)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(FileStateStore.JOURNAL_FILE)
                .hasMessageContaining("line 2");
    }

    @Test
    void aCrashBetweenTheSnapshotAndEmptyingTheJournalSkipsTheLinesTheSnapshotHolds() throws Exception {
        var first = open(FileStateStore.journalOnly(directory));
        playCalls(first, clock, 5);
        byte[] oldJournal = Files.readAllBytes(directory.resolve(FileStateStore.JOURNAL_FILE));
        // A snapshotting store over a journal without a snapshot folds it at its first mutation.
        var second = open(new FileStateStore(directory));
        second.require(Servers.class).create(ServerSpec.of("folded", "sbx-east-1", "m1.tiny", "debian-12"),
                IdempotencyToken.of("folded"));
        assertThat(journalLines(directory)).isEmpty();
        var folded = document(second.state());
        // The crash: the journal's emptying never reached the disk.
        Files.write(directory.resolve(FileStateStore.JOURNAL_FILE), oldJournal);

        var third = open(new FileStateStore(directory));
        assertThat(document(third.state())).isEqualTo(folded);
        third.require(Servers.class).create(ServerSpec.of("after", "sbx-east-1", "m1.tiny", "debian-12"),
                IdempotencyToken.of("after"));
        var afterCrash = document(third.state());
        assertThat(document(open(new FileStateStore(directory)).state())).isEqualTo(afterCrash);
        assertThat(afterCrash).contains("\"after\"").contains("\"folded\"");
    }

    @Test
    void aDocumentFromBeforeTheJournalLoadsAndTheJournalStartsAfterIt() throws Exception {
        var earlier = open(FileStateStore.journalOnly(otherDirectory));
        playCalls(earlier, clock, 5);
        var oldDocument = document(earlier.state());
        assertThat(oldDocument).as("what whole-document stores write, as before").doesNotContain("journalSequence");
        Files.writeString(directory.resolve(FileStateStore.STATE_FILE), oldDocument);

        var upgraded = open(new FileStateStore(directory));
        assertThat(document(upgraded.state())).isEqualTo(oldDocument);
        upgraded.require(Servers.class).create(ServerSpec.of("after", "sbx-east-1", "m1.tiny", "debian-12"),
                IdempotencyToken.of("after"));

        assertThat(document(open(new FileStateStore(directory)).state())).isEqualTo(document(upgraded.state()))
                .contains("\"after\"");
    }

    @Test
    void oneMoreCreateAfterFiveThousandAppendsOnlyWhatItChanged() throws Exception {
        var roomy = SandboxTopology.defaultTopology();
        var oneBigHost = new SandboxTopology(List.of(new SandboxTopology.RegionSpec("big-1", List.of(
                new SandboxTopology.ZoneSpec("big-1a", List.of(new SandboxTopology.HostSpec("big-1a-h1",
                        new Resources(1_000_000, 1L << 40, 0))), new ContainerResources(16_000, 65_536, 110))))),
                roomy.flavors(), roomy.images(), roomy.currency(), roomy.containerVcpuHourly(), roomy.containerGibHourly(),
                SandboxTopology.Latency.NONE);
        var cloud = new SandboxCloud("sandbox", oneBigHost, directory, clock);
        var servers = cloud.require(Servers.class);
        for (int i = 0; i < 5_000; i++) {
            servers.create(ServerSpec.of("web-" + i, "big-1", "m1.tiny", "debian-12"), IdempotencyToken.of("t-" + i));
        }
        Path journal = directory.resolve(FileStateStore.JOURNAL_FILE);
        long before = Files.size(journal);

        servers.create(ServerSpec.of("one-more", "big-1", "m1.tiny", "debian-12"), IdempotencyToken.of("one-more"));

        // One line: the new server, its operation and token, the previous create's settling
        // (server, operation, usage segment): about 2 KiB, against the megabytes of the snapshot.
        assertThat(Files.size(directory.resolve(FileStateStore.STATE_FILE))).isGreaterThan(1_000_000);
        assertThat(Files.size(journal) - before).isBetween(1L, 4_096L);
    }
}
