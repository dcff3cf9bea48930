package io.skydeck.platform.problem;

import org.hibernate.exception.GenericJDBCException;
import org.hibernate.exception.LockAcquisitionException;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

class DatabaseBusyTest {

    @Test
    void anExhaustedPoolAsHibernateWrapsItIsBusy() {
        var wrapped = new GenericJDBCException("Unable to acquire JDBC Connection", new SQLException(DatabaseBusy.POOL_EXHAUSTED));
        assertThat(DatabaseBusy.reason(new IllegalStateException("in a request", wrapped)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("connection").contains("in use"));
    }

    @Test
    void aDeadlockVictimAndASerializationFailureAreBusy() {
        var deadlock = new LockAcquisitionException("could not execute statement", new SQLException("deadlock detected", "40P01"));
        assertThat(DatabaseBusy.reason(deadlock)).hasValueSatisfying(reason -> assertThat(reason).contains("deadlock"));
        assertThat(DatabaseBusy.reason(new SQLException("could not serialize access", "40001")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("serialization"));
    }

    @Test
    void aLostConnectionIsBusy() {
        assertThat(DatabaseBusy.reason(new SQLException("An I/O error occurred while sending to the backend.", "08006")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("lost"));
    }

    @Test
    void aClientMistakeOrABugIsNot() {
        assertThat(DatabaseBusy.reason(new SQLException("duplicate key value violates unique constraint", "23505"))).isEmpty();
        assertThat(DatabaseBusy.reason(new SQLException("syntax error at or near", "42601"))).isEmpty();
        assertThat(DatabaseBusy.reason(new SQLException("no state"))).isEmpty();
        assertThat(DatabaseBusy.reason(new NullPointerException("a bug"))).isEmpty();
    }
}
