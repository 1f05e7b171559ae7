package io.durakv.wal;

import io.durakv.api.WriteBatch;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchRecordTest {

    @Test
    void roundtripsABatchOfPutsAndDeletes() {
        var ops = List.of(new WriteBatch.Op(new byte[]{1}, new byte[]{2, 3}),
                new WriteBatch.Op(new byte[]{4}, null), new WriteBatch.Op(new byte[0], new byte[0]));
        byte[] rec = BatchRecord.encode(ops);
        assertThat(rec.length).isEqualTo(BatchRecord.size(ops));
        var back = BatchRecord.decode(rec);
        assertThat(back).hasSize(3);
        assertThat(back.get(0).key()).containsExactly(1);
        assertThat(back.get(0).value()).containsExactly(2, 3);
        assertThat(back.get(1).key()).containsExactly(4);
        assertThat(back.get(1).isDelete()).isTrue();
        assertThat(back.get(2).key()).isEmpty();
        assertThat(back.get(2).value()).isEmpty();
    }

    @Test
    void rejectsDamagedRecordsWithIllegalArgument() {
        assertThatThrownBy(() -> BatchRecord.decode(new byte[]{1, 0, 0, 0, 1, 1, 0, 0, 0, 9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> BatchRecord.decode(new byte[]{2, 0, 0, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("version");
        assertThatThrownBy(() -> BatchRecord.decode(new byte[]{1, 0, 0, 0, 1, 7, 0, 0, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kind");
        assertThatThrownBy(() -> BatchRecord.decode(new byte[]{1, 0, 0, 0, 0, 9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after the last");
        assertThatThrownBy(() -> BatchRecord.decode(new byte[]{1, 0, 0}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchRecord.decode(new byte[]{1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
    }
}
