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

    @Test
    void lastPutFindsTheLastOperationOnAKeyOnly() {
        byte[] a = {1};
        byte[] b = {2};
        byte[] c = {3};
        byte[] rec = BatchRecord.encode(List.of(new WriteBatch.Op(a, new byte[]{10}),
                new WriteBatch.Op(b, new byte[]{20, 21}), new WriteBatch.Op(a, new byte[]{11, 12, 13}),
                new WriteBatch.Op(c, new byte[]{30}), new WriteBatch.Op(c, null), new WriteBatch.Op(new byte[0],
                        new byte[0])));
        assertThat(BatchRecord.lastPut(rec, a)).containsExactly(11, 12, 13);
        assertThat(BatchRecord.lastPut(rec, b)).containsExactly(20, 21);
        assertThat(BatchRecord.lastPut(rec, c)).isNull(); // deleted last
        assertThat(BatchRecord.lastPut(rec, new byte[]{4})).isNull(); // absent
        assertThat(BatchRecord.lastPut(rec, new byte[]{1, 2})).isNull(); // a longer key with the same first byte
        assertThat(BatchRecord.lastPut(rec, new byte[0])).isEmpty();
        byte[] revived = BatchRecord.encode(List.of(new WriteBatch.Op(c, null), new WriteBatch.Op(c, new byte[]{7})));
        assertThat(BatchRecord.lastPut(revived, c)).containsExactly(7);
    }

    @Test
    void lastPutRejectsWhatDecodeRejects() {
        byte[][] damaged = {{1, 0, 0, 0, 1, 1, 0, 0, 0, 9}, {2, 0, 0, 0, 0}, {1, 0, 0, 0, 1, 7, 0, 0, 0, 0},
                {1, 0, 0, 0, 0, 9}, {1, 0, 0}, {1, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff},
                {1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 5, 0, 0, 0, 3, 1}};
        for (byte[] rec : damaged) {
            String decodeMessage = catchMessage(() -> BatchRecord.decode(rec));
            assertThat(decodeMessage).as("decode of %s", java.util.Arrays.toString(rec)).isNotNull();
            assertThat(catchMessage(() -> BatchRecord.lastPut(rec, new byte[]{5}))).isEqualTo(decodeMessage);
        }
        // A damaged operation after the one looked for still fails the record.
        byte[] good = BatchRecord.encode(List.of(new WriteBatch.Op(new byte[]{5}, new byte[]{6}),
                new WriteBatch.Op(new byte[]{8}, new byte[]{9})));
        byte[] cut = java.util.Arrays.copyOf(good, good.length - 1);
        assertThatThrownBy(() -> BatchRecord.lastPut(cut, new byte[]{5})).isInstanceOf(IllegalArgumentException.class);
    }

    private static String catchMessage(Runnable r) {
        try {
            r.run();
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }
}
