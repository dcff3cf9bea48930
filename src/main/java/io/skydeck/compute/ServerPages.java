package io.skydeck.compute;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.skydeck.compute.ComputeViews.ServerView;
import io.skydeck.platform.changes.TenantChanges;
import io.skydeck.platform.changes.TenantChanges.Channel;
import io.skydeck.platform.paging.Page;
import io.skydeck.platform.paging.PageRequest;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * Pages of one tenant's servers, kept by this replica as the JSON it answered them with, and
 * answered again from memory while none of the tenant's server rows has changed since the page
 * was read. {@link TenantChanges} vouches for that: its mark is taken before the page is read, and
 * a committed insert, update or delete of one of the tenant's servers, on any replica or by hand
 * in SQL, ends it if the row's place lies in the page's range (V53's notifications carry the place;
 * see {@link Kept}); a change it cannot place, or more changes than it remembers, ends it too. A
 * page the watch cannot vouch for (not listening) is not kept; every page is then read from
 * PostgreSQL, as it is for an operator's list across tenants.
 *
 * <p>A page that must be read again is read by a small pool of this class's own ({@link #READERS}
 * threads), and requests for a page already being read wait for that read instead of starting
 * another. Many pages can end at once (a tenant's first pages after the watch listens again, a
 * bulk change); when they were read on the service's worker pool, the hundreds of requests that
 * missed at once became as many runnable threads, and the event loops answering every other
 * request from memory got a hundredth of the CPU for seconds ({@code bench/run api}: 0.4-1 s
 * answers for 4 s after a change that ended 200 pages). Without the watch, pages are read on the
 * worker pool as any other list.
 *
 * <p>At most {@code skydeck.servers.kept-pages} pages are kept (1,000 by default, 0 for none), each
 * of at most {@value #MAX_PAGE_BYTES} bytes of JSON (about a hundred servers; a larger page is read
 * every time), so a replica keeps at most 64 MiB by default. When that many are kept, pages the
 * watch can no longer vouch for go first, then arbitrary ones until a quarter of the room is free;
 * a page is read again at its next request.
 */
@ApplicationScoped
@Startup
public class ServerPages {

    /** A page as a tenant asked for it: the filters after the caller's tenant rule, the cursor as given and the limit. */
    public record Key(UUID tenant, Optional<UUID> project, Optional<ServerStatus> status, Optional<String> name,
                      Optional<String> cursor, int limit) {
    }

    /**
     * A server's place in every list of servers, which are read in the order of ({@code created_at},
     * {@code id}): the creation time in microseconds since 1970 (as PostgreSQL keeps it) and the id,
     * compared as PostgreSQL compares uuids (bytes, unsigned).
     */
    public record Place(long micros, UUID id) implements Comparable<Place> {
        static Place of(Instant createdAt, UUID id) {
            return createdAt == null ? null : new Place(Math.addExact(Math.multiplyExact(createdAt.getEpochSecond(), 1_000_000L),
                    createdAt.getNano() / 1_000), id);
        }

        /** From V53's notification: {@code "<micros> <id>"}; null when it is not one. */
        static Place parse(String detail) {
            int space = detail.indexOf(' ');
            try {
                return space < 0 ? null : new Place(Long.parseLong(detail.substring(0, space)), UUID.fromString(detail.substring(space + 1)));
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        /** As V53's notification says it, for this replica's own commits. */
        String detail() {
            return micros + " " + id;
        }

        @Override
        public int compareTo(Place other) {
            int byTime = Long.compare(micros, other.micros);
            if (byTime != 0) {
                return byTime;
            }
            int high = Long.compareUnsigned(id.getMostSignificantBits(), other.id.getMostSignificantBits());
            return high != 0 ? high : Long.compareUnsigned(id.getLeastSignificantBits(), other.id.getLeastSignificantBits());
        }
    }

    /**
     * A kept page: the mark taken before it was read, its JSON, and the range of places its answer
     * depends on — after its cursor ({@code null}: from the start) up to and including the last row
     * it read, the one past the page that says whether there is a next page ({@code null}: to the
     * end, when it read fewer). A change of a row outside the range cannot change the page: keyset
     * pages begin at their cursor's place, not at a count of rows before them.
     */
    private record Kept(TenantChanges.Mark mark, byte[] json, Place after, Place until) {
        boolean holds(Place place) {
            return (after == null || place.compareTo(after) > 0) && (until == null || place.compareTo(until) <= 0);
        }

        Kept at(TenantChanges.Mark later) {
            return new Kept(later, json, after, until);
        }
    }

    @Inject
    TenantChanges changes;

    @Inject
    ServerPagesConfig config;

    @Inject
    ServerService servers;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry registry;

    /** The largest page kept, in bytes of JSON. */
    static final int MAX_PAGE_BYTES = 64 * 1024;

    /** How many pages may be read from PostgreSQL at once to be kept. */
    static final int READERS = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());

    /** A page being read to be kept, and the mark taken before its read: joined while the mark still holds. */
    private record Reading(TenantChanges.Mark mark, CompletableFuture<byte[]> json) {
    }

    private final Map<Key, Kept> kept = new ConcurrentHashMap<>();
    private final Map<Key, Reading> reading = new ConcurrentHashMap<>();
    private final ExecutorService readers = Executors.newFixedThreadPool(READERS, new ThreadFactory() {
        private final AtomicInteger made = new AtomicInteger();

        @Override
        public Thread newThread(Runnable work) {
            Thread thread = new Thread(work, "server-pages-" + made.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });
    private Counter fromMemory;
    private Counter fromDatabase;

    @PostConstruct
    void meters() {
        fromMemory = Counter.builder("skydeck.server.pages").tag("answered", "from_memory")
                .description("GET /v1/servers pages answered from a page this replica kept").register(registry);
        fromDatabase = Counter.builder("skydeck.server.pages").tag("answered", "from_database")
                .description("GET /v1/servers pages read from PostgreSQL").register(registry);
    }

    /** The page as last answered, if the tenant's servers cannot have changed since it was read. Never blocks. */
    public Optional<byte[]> kept(Key key) {
        Kept page = kept.get(key);
        if (page == null) {
            return Optional.empty();
        }
        if (!changes.unchanged(Channel.SERVERS, key.tenant(), page.mark())) {
            // Some of the tenant's servers changed; the page stands if none of them is in its range.
            Optional<TenantChanges.Since> since = changes.since(Channel.SERVERS, key.tenant(), page.mark());
            if (since.isEmpty() || since.get().details().stream().map(Place::parse).anyMatch(p -> p == null || page.holds(p))) {
                kept.remove(key, page);
                return Optional.empty();
            }
            kept.replace(key, page, page.at(since.get().mark()));
        }
        fromMemory.increment();
        return Optional.of(page.json());
    }

    /**
     * The page read again to be kept, on this class's readers; a read of the same page already under
     * way is joined while the tenant has not changed since it began. Empty when the watch cannot vouch
     * for what a read would give (or nothing is kept): the caller reads the page itself with {@link #read}.
     */
    public Optional<CompletionStage<byte[]>> readToKeep(Key key, PageRequest request) {
        TenantChanges.Mark mark = config.max() > 0 ? changes.mark(Channel.SERVERS, key.tenant()) : null;
        if (mark == null) {
            return Optional.empty();
        }
        while (true) {
            Reading running = reading.get(key);
            if (running != null && changes.unchanged(Channel.SERVERS, key.tenant(), running.mark())) {
                return Optional.of(running.json());
            }
            Reading mine = new Reading(mark, new CompletableFuture<>());
            boolean started = running == null ? reading.putIfAbsent(key, mine) == null : reading.replace(key, running, mine);
            if (started) {
                readers.execute(() -> {
                    try {
                        mine.json().complete(self().read(key, request, mine.mark()));
                    } catch (Throwable e) {
                        mine.json().completeExceptionally(e);
                    } finally {
                        reading.remove(key, mine);
                    }
                });
                return Optional.of(mine.json());
            }
        }
    }

    /** Reads the page from PostgreSQL and answers its JSON, keeping it when the watch can vouch for it. Blocks. */
    public byte[] read(Key key, PageRequest request) {
        return read(key, request, config.max() > 0 ? changes.mark(Channel.SERVERS, key.tenant()) : null);
    }

    /** Reads the page, keeping it under {@code mark}, taken before the read (none: not kept). */
    @ActivateRequestContext
    byte[] read(Key key, PageRequest request, TenantChanges.Mark mark) {
        List<ServerView> rows = servers.list(Optional.of(key.tenant()), key.project(), key.status(), key.name(), request);
        byte[] body = write(Page.from(rows, request.limit(), ServerService::position, Function.identity()));
        fromDatabase.increment();
        if (mark != null && body.length <= MAX_PAGE_BYTES) {
            makeRoom();
            Place after = request.after().map(c -> Place.of(c.createdAt(), c.id())).orElse(null);
            Place until = rows.size() > request.limit() ? Place.of(rows.get(rows.size() - 1).createdAt(), rows.get(rows.size() - 1).id()) : null;
            kept.put(key, new Kept(mark, body, after, until));
        }
        return body;
    }

    /** The JSON of any page of servers, as the page cache answers it. */
    public byte[] write(Page<ServerView> page) {
        try {
            return json.writeValueAsBytes(page);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This bean through its container proxy, so that a reader thread gets the request context a read needs. */
    private ServerPages self() {
        return io.quarkus.arc.Arc.container().instance(ServerPages.class).get();
    }

    @PreDestroy
    void stop() {
        readers.shutdownNow();
    }

    private void makeRoom() {
        int max = config.max();
        if (kept.size() < max) {
            return;
        }
        kept.entrySet().removeIf(e -> changes.since(Channel.SERVERS, e.getKey().tenant(), e.getValue().mark()).isEmpty());
        Iterator<Key> keys = kept.keySet().iterator();
        while (kept.size() > max * 3 / 4 && keys.hasNext()) {
            keys.next();
            keys.remove();
        }
    }
}
