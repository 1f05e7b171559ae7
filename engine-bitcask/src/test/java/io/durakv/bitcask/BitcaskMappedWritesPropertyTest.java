package io.durakv.bitcask;

import io.durakv.api.testkit.MappedLogCheck;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

/** {@code wal.mappedWrites}: unset, a NONE store's log is written through a mapping (Java 18+); false, it is not. */
class BitcaskMappedWritesPropertyTest {

    @TempDir
    Path dir;

    @Test
    void walMappedWritesTurnsTheMappingOnAndOff() throws Exception {
        MappedLogCheck.propertyTurnsMappedLogWritesOnAndOff(new BitcaskEngine()::open, dir, Map.of());
    }
}
