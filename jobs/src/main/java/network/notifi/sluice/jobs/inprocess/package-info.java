/** The stores of one replica, in its memory: the embedded default. {@link InProcessStores#create} is the one door. */
package network.notifi.sluice.jobs.inprocess;
