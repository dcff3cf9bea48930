package io.skydeck.platform.embedded;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;

import static org.assertj.core.api.Assertions.assertThat;

/** The embedded default: a real PostgreSQL whose data survives a stop and a start. */
class EmbeddedDatabaseTest {

    @Test
    void dataSurvivesARestart() throws Exception {
        Path dataDir = Files.createTempDirectory("skydeck-embedded-test").resolve("pgdata");
        try (EmbeddedDatabase db = EmbeddedDatabase.start(dataDir)) {
            try (Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), "");
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE survivor (name text)");
                s.execute("INSERT INTO survivor VALUES ('still here')");
            }
        }
        try (EmbeddedDatabase db = EmbeddedDatabase.start(dataDir);
             Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, current_setting('server_version_num') FROM survivor")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo("still here");
            assertThat(Integer.parseInt(rs.getString(2)) / 10000).isEqualTo(17);
        }
    }
}
