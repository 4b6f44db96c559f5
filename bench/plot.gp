# bench/plot.gp - the plots of docs/performance.md, from the data files that
# plot.sh extracts from results/all.jsonl.  Call: gnuplot -e "dir='D'; out='O'".
set terminal pngcairo size 900,520 font "sans,10" noenhanced
set grid ytics
set key top right

# bars: one cluster per tool, unpinned and pinned, error bars min-max; the
# floor (raw_ptrace) drawn across as a line per pinning.
do for [s in "bphit step memread"] {
	f = dir . "/" . s . ".dat"
	if (system("test -s " . f . " && echo 1") eq "1") {
		fl = system("cat " . dir . "/" . s . ".floor")
		fu = real(word(fl, 1)); fp = real(word(fl, 2))
		unit = s eq "bphit" ? "hits/s" : (s eq "step" ? "steps/s" : "MiB/s")
		set output out . "/" . s . ".png"
		set title s . ": median " . unit . " per tool (min-max bars); floor = raw ptrace in the same run"
		set ylabel unit
		set logscale y
		set style data histogram
		set style histogram errorbars gap 2 lw 1
		set style fill solid 0.7 border -1
		set xtics rotate by -25
		set yrange [*:*]
		unset arrow
		set arrow 1 from graph 0, first fu to graph 1, first fu nohead lw 2 lc rgb "#1f77b4" dt 2
		set arrow 2 from graph 0, first fp to graph 1, first fp nohead lw 2 lc rgb "#ff7f0e" dt 2
		plot f using 2:3:4:xtic(1) title "unpinned" lc rgb "#1f77b4", \
		     "" using 5:6:7 title "pinned (taskset -c 0)" lc rgb "#ff7f0e", \
		     NaN with lines lw 2 dt 2 lc rgb "#1f77b4" title "floor, unpinned", \
		     NaN with lines lw 2 dt 2 lc rgb "#ff7f0e" title "floor, pinned"
		unset logscale y
		unset arrow
	}
}

# attach + detach time against thread count, log-log, one line per tool and
# pinning; the floor thick.
f = dir . "/attach.dat"
if (system("test -s " . f . " && echo 1") eq "1") {
	set output out . "/attach.png"
	set style data linespoints
	set title "attach-and-stop + detach: median ms against threads (log-log); floor = raw ptrace"
	set xlabel "threads"
	set ylabel "ms"
	set logscale xy
	set xtics (100, 1000, 4000) norotate
	set xrange [70:6000]
	set key top left
	nk = int(system("wc -l < " . dir . "/attach.keys"))
	keys = system("cat " . dir . "/attach.keys")
	LW(i) = strstrt(word(keys, i + 1), "raw_ptrace") ? 3 : 1
	DT(i) = strstrt(word(keys, i + 1), "/pinned") ? 2 : 1
	plot for [i = 0:nk - 1] f index i using 1:2:3:4 with yerrorlines \
		lw LW(i) dt DT(i) title word(keys, i + 1)
}
