package io.skydeck.platform.scheduling;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The start-up lock is given back once the scheduler is up: a replica that kept it would stop every other from starting. */
@QuarkusTest
class SchedulerStartLockTest {

    @Inject
    AgroalDataSource db;

    @Test
    void noSessionHoldsTheLockAfterStartUp() throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet r = s.executeQuery("SELECT pg_try_advisory_lock(" + SchedulerStartLock.KEY + ")")) {
                r.next();
                assertThat(r.getBoolean(1)).as("the lock is free").isTrue();
            }
            try (ResultSet r = s.executeQuery("SELECT pg_advisory_unlock(" + SchedulerStartLock.KEY + ")")) {
                r.next();
                assertThat(r.getBoolean(1)).isTrue();
            }
        }
    }
}
