package io.durakv.lsm;

import io.durakv.api.StoreOptions;
import io.durakv.api.io.SimulatedDisk;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Properties: defaults, ranges, cross-property rules, unknown names; a bad one changes nothing on disk. */
class LsmConfigTest {

    private static LsmConfig config(String... kv) {
        StoreOptions.Builder b = StoreOptions.builder();
        for (int i = 0; i < kv.length; i += 2) {
            b.property(kv[i], kv[i + 1]);
        }
        return LsmConfig.from(b.build());
    }

    @Test
    void defaultsAndLevelSizes() {
        LsmConfig c = config();
        assertThat(c.memtableBytes()).isEqualTo(32L << 20);
        assertThat(c.level0Trigger()).isEqualTo(4);
        assertThat(c.level0StopTrigger()).isEqualTo(12);
        assertThat(c.maxBytesForLevel(1)).isEqualTo(128L << 20);
        assertThat(c.maxBytesForLevel(3)).isEqualTo(12800L << 20);
        assertThat(c.targetFileBytes()).isEqualTo(8L << 20);
        assertThat(c.closeFlushBytes()).isEqualTo(1L << 20);
        assertThat(config("lsm.closeFlushBytes", "0").closeFlushBytes()).isZero();
        assertThatThrownBy(() -> config("lsm.closeFlushBytes", "-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lsm.closeFlushBytes");
        assertThat(config("lsm.level0Trigger", "8").level0StopTrigger()).isEqualTo(24);
        assertThat(c.failingStallMillis()).isEqualTo(1000);
        assertThat(config("lsm.failingStallMillis", "0").failingStallMillis()).isZero();
        assertThatThrownBy(() -> config("lsm.failingStallMillis", "-1")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lsm.failingStallMillis");
    }

    @Test
    void crossPropertyRulesAreCheckedWithClearMessages() {
        assertThatThrownBy(() -> config("lsm.level0Trigger", "8", "lsm.level0StopTrigger", "4"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lsm.level0StopTrigger");
        assertThatThrownBy(() -> config("lsm.level0StopTrigger", "20", "lsm.maxOpenFiles", "20"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lsm.maxOpenFiles")
                .hasMessageContaining("29");
        assertThatThrownBy(() -> config("lsm.memtableBytes", "100")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lsm.memtableBytes");
        assertThatThrownBy(() -> config("lsm.memtableByte", "4096")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lsm.memtableByte");
    }

    @Test
    void aBadPropertyFailsOpenBeforeAnythingIsWritten() {
        SimulatedDisk disk = new SimulatedDisk();
        assertThatThrownBy(() -> Stores.open(disk, false, "lsm.bloomBitsPerKey", "-1"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(disk.mutatingCalls()).isZero();
    }
}
