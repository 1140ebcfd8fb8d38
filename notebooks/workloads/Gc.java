// A JVM that collects garbage N times on request (System.gc()), run from source:
// `java Gc.java 5`. Used by jvm-gc.ipynb.
public class Gc {
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    for (int i = 0; i < n; i++) {
      byte[][] garbage = new byte[64][];
      for (int j = 0; j < garbage.length; j++) garbage[j] = new byte[64 * 1024];
      System.gc();
    }
  }
}
