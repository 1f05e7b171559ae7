package io.durakv.api;

import io.durakv.api.io.Disk;
import io.durakv.api.io.LocalDisk;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StoreOptionsTest {

    @Test
    void defaultsAreSyncWithA100MillisecondIntervalNoPropertiesAndTheLocalDisk() {
        for (StoreOptions o : new StoreOptions[]{StoreOptions.defaults(), StoreOptions.builder().build()}) {
            assertThat(o.syncMode()).isEqualTo(SyncMode.SYNC);
            assertThat(o.batchInterval()).isEqualTo(Duration.ofMillis(100)).isEqualTo(StoreOptions.DEFAULT_BATCH_INTERVAL);
            assertThat(o.properties()).isEmpty();
            assertThat(o.disk()).isSameAs(LocalDisk.INSTANCE);
        }
    }

    @Test
    void builderSetsEveryValue() {
        Disk disk = otherDisk();
        StoreOptions o = StoreOptions.builder().syncMode(SyncMode.BATCH).batchInterval(Duration.ofMillis(5))
                .property("wal.segmentBytes", "1048576").property("lsm.memtableBytes", "65536").disk(disk).build();
        assertThat(o.syncMode()).isEqualTo(SyncMode.BATCH);
        assertThat(o.batchInterval()).isEqualTo(Duration.ofMillis(5));
        assertThat(o.properties()).containsExactly(Map.entry("wal.segmentBytes", "1048576"),
                Map.entry("lsm.memtableBytes", "65536"));
        assertThat(o.disk()).isSameAs(disk);
    }

    @Test
    void nullSyncModeIsRejectedNamingIt() {
        assertThatThrownBy(() -> StoreOptions.builder().syncMode(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("syncMode");
    }

    @Test
    void batchIntervalMustBeBetweenOneMillisecondAndOneHour() {
        for (Duration bad : new Duration[]{Duration.ZERO, Duration.ofNanos(999_999), Duration.ofMillis(-5),
                Duration.ofHours(1).plusNanos(1), Duration.ofDays(1)}) {
            assertThatThrownBy(() -> StoreOptions.builder().batchInterval(bad)).as("%s", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("batchInterval").hasMessageContaining("1 ms").hasMessageContaining("1 h")
                    .hasMessageContaining(bad.toString());
        }
        assertThatThrownBy(() -> StoreOptions.builder().batchInterval(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("batchInterval");
        assertThat(StoreOptions.builder().batchInterval(Duration.ofMillis(1)).build().batchInterval())
                .isEqualTo(Duration.ofMillis(1));
        assertThat(StoreOptions.builder().batchInterval(Duration.ofHours(1)).build().batchInterval())
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    void propertyNameMustNotBeNullOrBlank() {
        for (String bad : new String[]{null, "", "  ", "\t"}) {
            assertThatThrownBy(() -> StoreOptions.builder().property(bad, "1")).as("name '%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("property name");
        }
    }

    @Test
    void nullPropertyValueIsRejectedNamingTheProperty() {
        assertThatThrownBy(() -> StoreOptions.builder().property("wal.segmentBytes", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("wal.segmentBytes");
    }

    @Test
    void nullDiskIsRejected() {
        assertThatThrownBy(() -> StoreOptions.builder().disk(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("disk");
    }

    @Test
    void laterPropertyOfTheSameNameWins() {
        StoreOptions o = StoreOptions.builder().property("a", "1").property("b", "2").property("a", "3").build();
        assertThat(o.properties()).containsExactly(Map.entry("a", "3"), Map.entry("b", "2"));
    }

    @Test
    void propertiesAreUnmodifiableAndDetachedFromTheBuilder() {
        StoreOptions.Builder builder = StoreOptions.builder().property("a", "1");
        StoreOptions o = builder.build();
        assertThatThrownBy(() -> o.properties().put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> o.properties().remove("a")).isInstanceOf(UnsupportedOperationException.class);
        builder.property("b", "2").syncMode(SyncMode.NONE);
        assertThat(o.properties()).containsExactly(Map.entry("a", "1"));
        assertThat(o.syncMode()).isEqualTo(SyncMode.SYNC);
    }

    @Test
    void toBuilderRoundtripsEveryValue() {
        Disk disk = otherDisk();
        StoreOptions o = StoreOptions.builder().syncMode(SyncMode.NONE).batchInterval(Duration.ofSeconds(2))
                .property("x", "1").property("y", "2").disk(disk).build();
        StoreOptions copy = o.toBuilder().build();
        assertThat(copy.syncMode()).isEqualTo(SyncMode.NONE);
        assertThat(copy.batchInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(copy.properties()).containsExactly(Map.entry("x", "1"), Map.entry("y", "2"));
        assertThat(copy.disk()).isSameAs(disk);
        StoreOptions changed = o.toBuilder().syncMode(SyncMode.BATCH).property("z", "3").build();
        assertThat(changed.properties()).containsExactly(Map.entry("x", "1"), Map.entry("y", "2"), Map.entry("z", "3"));
        assertThat(o.syncMode()).as("the original is unchanged").isEqualTo(SyncMode.NONE);
        assertThat(o.properties()).hasSize(2);
    }

    @Test
    void toStringShowsTheValues() {
        String s = StoreOptions.builder().syncMode(SyncMode.BATCH).property("wal.segmentBytes", "42").build().toString();
        assertThat(s).contains("BATCH").contains("wal.segmentBytes").contains("42");
    }

    /** A Disk distinct from LocalDisk whose methods are never called. */
    private static Disk otherDisk() {
        return (Disk) Proxy.newProxyInstance(Disk.class.getClassLoader(), new Class<?>[]{Disk.class}, (p, m, a) -> {
            if (m.getName().equals("toString")) {
                return "OtherDisk";
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }
}
