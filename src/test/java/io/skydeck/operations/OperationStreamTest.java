package io.skydeck.operations;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.skydeck.compute.OperationRecoveryTest;
import io.skydeck.operations.OperationResource.OperationView;
import io.skydeck.support.Tokens;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.skydeck.support.Api.as;
import static io.skydeck.support.Api.createProject;
import static io.skydeck.support.Api.createTenant;
import static io.skydeck.support.Api.quota;
import static io.skydeck.support.Api.uniqueName;
import static org.assertj.core.api.Assertions.assertThat;

/** Many followers of operations share one watcher: the database is read once per tick, not once per follower. */
@QuarkusTest
@TestProfile(OperationRecoveryTest.RunnerOff.class)
class OperationStreamTest {

    @Inject
    OperationStream stream;

    @Inject
    OperationRunner runner;

    @Inject
    EntityManager em;

    @Test
    void fortyFollowersOfTwoOperationsCostOneQueryPerTickAndAllSeeTheEnd() throws Exception {
        UUID tenant = createTenant(uniqueName("streams"), quota(64, 256, 10, 10, 2));
        UUID project = createProject(tenant, "apps");
        String token = Tokens.tenant(tenant);
        List<UUID> ops = new ArrayList<>();
        for (String name : List.of("s1", "s2")) {
            ops.add(UUID.fromString(as(token).body(Map.of("projectId", project.toString(), "name", name, "flavor", "m1.small",
                    "image", "debian-12")).post("/v1/servers").then().statusCode(202).extract().<String>path("operation.id")));
        }
        int perOperation = 20;
        CountDownLatch told = new CountDownLatch(2 * perOperation);
        CountDownLatch ended = new CountDownLatch(2 * perOperation);
        List<OperationView> last = new CopyOnWriteArrayList<>();
        List<Cancellable> subscriptions = new ArrayList<>();
        for (UUID op : ops) {
            for (int i = 0; i < perOperation; i++) {
                subscriptions.add(stream.follow(op).subscribe().with(view -> {
                    if (view.state() == Operation.State.PENDING) {
                        told.countDown();
                    } else if (view.state() == Operation.State.SUCCEEDED) {
                        last.add(view);
                    }
                }, failure -> { }, ended::countDown));
            }
        }
        assertThat(told.await(10, TimeUnit.SECONDS)).as("every follower told the first state").isTrue();

        long before = stream.reads();
        Thread.sleep(10 * OperationStream.CHECK_EVERY.toMillis());
        long reads = stream.reads() - before;
        // 10 ticks; one read each (one more if a tick ran late). One query per follower would be 400.
        assertThat(reads).isBetween(5L, 12L);

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (openOf(ops) > 0 && System.nanoTime() < deadline) {
            runner.runOnce();
            Thread.sleep(100);
        }
        assertThat(ended.await(10, TimeUnit.SECONDS)).as("every stream completed when its operation finished").isTrue();
        assertThat(last).hasSize(2 * perOperation);
        // A follower is dropped on its stream's termination, which may run just after the subscriber saw the end.
        long dropDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (stream.following() > 0 && System.nanoTime() < dropDeadline) {
            Thread.sleep(20);
        }
        assertThat(stream.following()).isZero();
        subscriptions.forEach(Cancellable::cancel);
    }

    private long openOf(List<UUID> ops) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT count(*) FROM operation WHERE id IN (?1, ?2) AND state IN ('PENDING', 'RUNNING')")
                .setParameter(1, ops.get(0)).setParameter(2, ops.get(1)).getSingleResult()).longValue());
    }
}
