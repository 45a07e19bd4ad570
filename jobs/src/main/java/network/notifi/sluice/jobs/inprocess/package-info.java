/**
 * The stores of one replica, in its memory: the embedded default. {@link
 * network.notifi.sluice.jobs.inprocess.InProcessStores#create} is the one door.
 */
package network.notifi.sluice.jobs.inprocess;
