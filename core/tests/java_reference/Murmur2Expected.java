// Expected murmur2 placements computed by the real Kafka Java client, for ferrokafka's Murmur2Partitioner test.
//
// Run from the repository root with a kafka-clients jar (3.3+, for BuiltInPartitioner) and slf4j-api:
//   CP=kafka-clients-3.9.1.jar:slf4j-api-1.7.36.jar
//   javac -cp $CP -d /tmp/m2 core/tests/java_reference/Murmur2Expected.java
//   java -cp $CP:/tmp/m2 Murmur2Expected core/tests/pykafka_reference/keys.txt > core/tests/java_reference/murmur2_expected.json
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.List;

import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.utils.AppInfoParser;
import org.apache.kafka.common.utils.Utils;

public class Murmur2Expected {
    static final int[] COUNTS = {1, 2, 3, 7, 12, 100};

    public static void main(String[] args) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(args[0]));
        StringBuilder out = new StringBuilder();
        out.append("{\"generator\":\"core/tests/java_reference/Murmur2Expected.java\",\"kafka_clients_version\":\"")
           .append(AppInfoParser.getVersion()).append("\",\"cases\":[\n");
        for (int i = 0; i < lines.size(); i++) {
            String hex = lines.get(i).trim();
            byte[] key = new byte[hex.length() / 2];
            for (int j = 0; j < key.length; j++) {
                key[j] = (byte) Integer.parseInt(hex.substring(2 * j, 2 * j + 2), 16);
            }
            out.append("{\"key\":\"").append(hex).append("\",\"murmur2\":").append(Utils.murmur2(key)).append(",\"partition\":{");
            for (int c = 0; c < COUNTS.length; c++) {
                if (c > 0) out.append(',');
                out.append('"').append(COUNTS[c]).append("\":").append(BuiltInPartitioner.partitionForKey(key, COUNTS[c]));
            }
            out.append("}}").append(i + 1 < lines.size() ? ",\n" : "\n");
        }
        out.append("]}\n");
        System.out.print(out);
    }
}
