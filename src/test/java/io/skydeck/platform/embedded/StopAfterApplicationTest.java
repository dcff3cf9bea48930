package io.skydeck.platform.embedded;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class StopAfterApplicationTest {

    private final List<String> order = new CopyOnWriteArrayList<>();

    @Test
    void theDatabaseStopsOnlyAfterTheApplicationHasStopped() throws Exception {
        CountDownLatch applicationStopped = new CountDownLatch(1);
        Thread hook = new Thread(new StopAfterApplication(() -> {
            await(applicationStopped);
            order.add("application stopped");
        }, () -> order.add("database stopped"), Duration.ofSeconds(10)));
        hook.start();

        Thread.sleep(200);
        assertThat(order).as("nothing stops the database while the application still runs").isEmpty();
        applicationStopped.countDown();
        hook.join(5_000);

        assertThat(order).containsExactly("application stopped", "database stopped");
    }

    @Test
    void anApplicationThatNeverStopsHoldsTheDatabaseOnlyForThePatience() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        long started = System.nanoTime();
        new StopAfterApplication(() -> await(never), () -> order.add("database stopped"), Duration.ofMillis(300)).run();

        assertThat(order).containsExactly("database stopped");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(Duration.ofMillis(300), Duration.ofSeconds(5));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
