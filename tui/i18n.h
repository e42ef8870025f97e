/*
 * i18n.h: every piece of screen text, in English and Simplified Chinese.
 *
 * Strings live in one table per language (i18n.c), indexed by enum i18n_id.  The screen,
 * the lesson player and the help overlay ask for text only through i18n(); nothing on
 * screen is a literal in the drawing code, except the protocol's own words (state names,
 * flag names, command words), which stay the same in every language.
 *
 * The language is chosen once: --lang wins, else LC_ALL, LC_MESSAGES, LANG (the first that
 * is set): a value starting with "zh" gives Chinese, anything else English.
 */
#ifndef FW_I18N_H
#define FW_I18N_H

#include <stddef.h>

enum i18n_lang { I18N_EN, I18N_ZH, I18N_NLANGS };

/* X(id, English, Chinese) */
#define I18N_STRINGS(X)                                                                     \
	X(S_APP, "finwave", "finwave")                                                      \
	X(S_FREE_PLAY, "free play", "自由练习")                                             \
	X(S_PAUSED, "PAUSED", "已暂停")                                                     \
	X(S_RUNNING, "running", "运行中")                                                   \
	X(S_IDLE, "idle", "空闲")                                                           \
	X(S_FAST_FORWARD, "fast-forward", "快进")                                           \
	X(S_FOLLOW, "follow", "跟随")                                                       \
	X(S_REALTIME, "real time", "实时")                                                  \
	X(S_SPEED, "speed", "速度")                                                         \
	X(S_CLIENT, "client", "客户端")                                                     \
	X(S_SERVER, "server", "服务器")                                                     \
	X(S_PID, "pid", "进程")                                                             \
	X(S_NO_PROCESS, "no process", "无进程")                                             \
	X(S_HOST_DOWN, "POWERED OFF", "已断电")                                             \
	X(S_HOST_BOOTED, "host booted (no TCP state)", "主机已重启 (无 TCP 状态)")          \
	X(S_PROC_START, "started", "已启动")                                                \
	X(S_PROC_EXIT, "exited", "已退出")                                                  \
	X(S_TO_APP, "to the application", "交给应用")                                       \
	X(S_FOREIGN, "foreign datagram ignored", "忽略外来数据报")                          \
	X(S_SOCKETS, "sockets", "套接字")                                                   \
	X(S_NO_SOCKETS, "(none)", "(无)")                                                   \
	X(S_TIMERS, "timers", "定时器")                                                     \
	X(S_NO_TIMERS, "(no timer)", "(无定时器)")                                          \
	X(S_T_RTO, "RTO", "重传RTO")                                                        \
	X(S_T_DELACK, "delayed ACK", "延迟ACK")                                             \
	X(S_T_TIME_WAIT, "TIME_WAIT", "TIME_WAIT")                                          \
	X(S_T_FIN_WAIT_2, "FIN_WAIT_2", "FIN_WAIT_2")                                       \
	X(S_T_KEEPALIVE, "keepalive", "保活")                                               \
	X(S_BUDGET, "budget left", "剩余预算")                                              \
	X(S_PROBES, "probes", "探测")                                                       \
	X(S_ORPHAN, "orphan", "孤儿")                                                       \
	X(S_LOST, "lost", "丢失")                                                           \
	X(S_FIRED, "fired", "到期")                                                         \
	X(S_LOG, "events", "事件")                                                          \
	X(S_TIME, "time", "时间")                                                           \
	X(S_DIAGRAM, "TCP state diagram (RFC 9293 §3.3.2)", "TCP 状态图 (RFC 9293 §3.3.2)") \
	X(S_DIAG_LAST, "last transition", "最近的转换")                                     \
	X(S_DIAG_NONE, "no transition yet", "尚无状态转换")                                 \
	X(S_DIAG_OFF_CHART, "(not drawn on the RFC diagram)", "(RFC 图中没有这条边)")      \
	X(S_DIAG_LINUX, "Linux: TIME_WAIT lasts 60 s, not 2 MSL", "Linux: TIME_WAIT 固定 60 秒, 不是 2MSL") \
	X(S_TOO_SMALL, "finwave needs a terminal of at least 80x24; this one is %dx%d.",    \
	  "finwave 需要至少 80x24 的终端; 当前为 %dx%d。")                                  \
	X(S_TOO_SMALL2, "Please make the window larger. (q quits, space pauses)",           \
	  "请把窗口调大一些。(q 退出, 空格 暂停)")                                          \
	X(S_HELP_TITLE, "finwave keys", "finwave 按键")                                     \
	X(S_HELP_CLOSE, "press any key to close this help", "按任意键关闭帮助")             \
	X(S_HELP_PROMPT, "At the : prompt type any command of the scenario language; Tab completes, " \
	  "Up/Down recall history, Enter runs, Esc cancels.",                               \
	  "在 : 提示符下输入场景语言的任何命令; Tab 补全, 上/下 翻历史, 回车 执行, Esc 取消。") \
	X(S_HELP_SCREEN_CMDS, "Screen words at the prompt: restart, help, quit.",           \
	  "提示符中的界面命令: restart, help, quit。")                                       \
	X(S_KEYS_SECTION_CLOCK, "clock", "时钟")                                            \
	X(S_KEYS_SECTION_TCP, "the connection", "连接")                                     \
	X(S_KEYS_SECTION_FAULT, "faults", "故障")                                           \
	X(S_KEYS_SECTION_VIEW, "view", "视图")                                              \
	X(S_K_PAUSE, "pause / resume", "暂停 / 继续")                                       \
	X(S_K_STEP, "step to the next event (pauses)", "单步到下一个事件 (会暂停)")         \
	X(S_K_FASTER, "faster", "加速")                                                     \
	X(S_K_SLOWER, "slower", "减速")                                                     \
	X(S_K_FOLLOW, "follow pace on/off (off: real time x speed)",                         \
	  "跟随节奏 开/关 (关: 实时 x 速度)")                                               \
	X(S_K_CLOSE_C, "client close()", "客户端 close()")                                  \
	X(S_K_CLOSE_S, "server close()", "服务器 close()")                                  \
	X(S_K_SHUT_C, "client shutdown(SHUT_WR)", "客户端 shutdown(SHUT_WR)")               \
	X(S_K_SHUT_S, "server shutdown(SHUT_WR)", "服务器 shutdown(SHUT_WR)")               \
	X(S_K_ABORT_C, "client abort (RST)", "客户端 中止 (RST)")                           \
	X(S_K_ABORT_S, "server abort (RST)", "服务器 中止 (RST)")                           \
	X(S_K_SEND_C, "client sends 100 bytes", "客户端 发送 100 字节")                     \
	X(S_K_SEND_S, "server sends 100 bytes", "服务器 发送 100 字节")                     \
	X(S_K_RECV_C, "client reads what arrived", "客户端 读取已到数据")                   \
	X(S_K_RECV_S, "server reads what arrived", "服务器 读取已到数据")                   \
	X(S_K_KILL_C, "kill -9 the client process", "kill -9 客户端进程")                   \
	X(S_K_KILL_S, "kill -9 the server process", "kill -9 服务器进程")                   \
	X(S_K_CRASH_C, "power off the client host", "客户端主机断电")                       \
	X(S_K_CRASH_S, "power off the server host", "服务器主机断电")                       \
	X(S_K_BOOT_C, "reboot the client host", "客户端主机重启")                           \
	X(S_K_BOOT_S, "reboot the server host", "服务器主机重启")                           \
	X(S_K_DROP, "drop the next segment", "丢弃下一个报文段")                            \
	X(S_K_WAVE, "drop wave N of the coming close (1 FIN, 2 ACK, 3 FIN, 4 ACK)",         \
	  "丢弃即将到来的第 N 次挥手 (1 FIN, 2 ACK, 3 FIN, 4 ACK)")                         \
	X(S_K_HEAL, "remove every fault", "清除所有故障")                                   \
	X(S_K_RESTART, "restart the scene", "重新开始")                                     \
	X(S_K_DIAGRAM, "state diagram on/off", "状态图 开/关")                              \
	X(S_K_PRESENT, "presentation layout on/off", "演示布局 开/关")                      \
	X(S_K_HELP, "this help", "本帮助")                                                  \
	X(S_K_PROMPT, "command prompt", "命令提示符")                                       \
	X(S_K_QUIT, "quit", "退出")                                                         \
	X(S_K_SCROLL, "scroll the segment history", "滚动报文段历史")                       \
	X(S_K_FOLLOW_END, "back to the newest", "回到最新")                                 \
	X(S_K_REDRAW, "redraw the screen", "重绘屏幕")                                      \
	X(S_HL_PAUSE, "pause", "暂停")                                                      \
	X(S_HL_STEP, "step", "单步")                                                        \
	X(S_HL_SPEED, "speed", "速度")                                                      \
	X(S_HL_CLOSE, "close c/s", "关闭 客/服")                                            \
	X(S_HL_WAVE, "drop wave", "丢挥手")                                                 \
	X(S_HL_KILL, "kill", "杀进程")                                                      \
	X(S_HL_DIAGRAM, "diagram", "状态图")                                                \
	X(S_HL_PRESENT, "present", "演示")                                                  \
	X(S_HL_HELP, "help", "帮助")                                                        \
	X(S_HL_CMD, "command", "命令")                                                      \
	X(S_HL_QUIT, "quit", "退出")                                                        \
	X(S_HL_RESTART, "restart", "重来")                                                  \
	X(S_QUEUED, "queued", "已排队")                                                     \
	X(S_RESTARTED, "restarted", "已重新开始")                                           \
	X(S_SCROLLED, "%d more below (End)", "下方还有 %d 条 (End)")                        \
	X(S_COMPLETIONS, "completions", "可选补全")                                         \
	X(S_EXPECTED, "expected", "需要")                                                   \
	X(S_ERR_NOT_TTY, "finwave: the screen needs a terminal (try 'finwave run FILE')",   \
	  "finwave: 界面需要终端 (可以试试 'finwave run FILE')")                             \
	X(S_ERR_SETUP, "finwave: cannot start free play: %s", "finwave: 无法开始自由练习: %s") \
	X(S_SETUP_DONE, "a connection is ready: server listens, client connected, 100 bytes each way", \
	  "连接已就绪: 服务器监听, 客户端已连接, 双方各发 100 字节")                         \
	X(S_TRY, "try: c closes the client, C the server, 1-4 drop a wave, ? help",         \
	  "试试: c 关闭客户端, C 关闭服务器, 1-4 丢一次挥手, ? 帮助")                       \
	X(S_HOME_TITLE, "how TCP connections end, step by step", "TCP 连接如何关闭, 一步一步看") \
	X(S_HOME_LESSONS, "lessons", "课程")                                                \
	X(S_HOME_FREE, "Free play", "自由练习")                                             \
	X(S_HOME_FREE_WHAT, "a ready connection: every key, the : prompt", "一条就绪的连接: 所有按键和 : 命令提示符") \
	X(S_HOME_LANG, "Language", "语言")                                                  \
	X(S_HOME_NONE, "no lessons found in %s", "在 %s 中找不到课程")                      \
	X(S_HOME_LEGEND, "✓ finished   … started", "✓ 已完成   … 已开始")                   \
	X(S_HOME_LEGEND_ASCII, "* finished   ~ started", "* finished   ~ started")          \
	X(S_PROG_NONE, "not started", "未开始")                                             \
	X(S_PROG_STARTED, "started", "已开始")                                              \
	X(S_PROG_FINISHED, "finished", "已完成")                                            \
	X(S_LESSON_N, "lesson %d", "第 %d 课")                                              \
	X(S_STEP, "step", "步骤")                                                           \
	X(S_L_STEP_DONE, "step done: → next step, r replay it, t take over", "本步结束: → 下一步, r 重放, t 接管") \
	X(S_L_LAST_DONE, "the lesson is over, well done: ← back a step, q back to the lessons", \
	  "本课结束, 做得好: ← 回上一步, q 回到课程列表")                                   \
	X(S_L_PLAYING, "playing...", "播放中...")                                           \
	X(S_L_QUESTION, "question", "问题")                                                 \
	X(S_L_ANSWER_HINT, "press 1-%d to answer", "按 1-%d 作答")                          \
	X(S_L_WRONG, "%d is not right. Try again, or press 0 to see the answer.",           \
	  "%d 不对。再试一次, 或按 0 看答案。")                                              \
	X(S_L_RIGHT, "Right.", "答对了。")                                                  \
	X(S_L_REVEALED, "The answer is %d.", "答案是 %d。")                                 \
	X(S_L_TAKEOVER, "You have taken over: free play on the lesson's world, from this moment. Esc or T: back to the lesson (step %s).", \
	  "你已接管: 从此刻起在课程的世界里自由练习。Esc 或 T: 回到课程 (第 %s 步)。")      \
	X(S_L_TOOK_OVER, "taken over at step %s", "在第 %s 步接管")                         \
	X(S_L_AT_STEP, "step %s: %s", "第 %s 步: %s")                                       \
	X(S_L_REPLAYED, "replayed to the start of step %s", "重放到第 %s 步的开头")         \
	X(S_L_FAILED, "the step stopped (r replays it): %s", "本步停止 (r 重放): %s")       \
	X(S_L_ERR_LOAD, "cannot open the lesson: %s", "无法打开课程: %s")                   \
	X(S_L_NO_LANG, "this lesson has no %s version", "这一课没有 %s 版本")              \
	X(S_KEYS_SECTION_LESSON, "the lesson", "课程")                                      \
	X(S_K_L_NEXT, "next step", "下一步")                                                \
	X(S_K_L_PREV, "previous step (replayed exactly)", "上一步 (精确重放)")              \
	X(S_K_L_REPLAY, "replay this step", "重放本步")                                     \
	X(S_K_L_TAKE, "take over: free play from this moment", "接管: 从此刻起自由练习")    \
	X(S_K_L_BACK, "back to the lesson, at the step you left", "回到课程, 回到离开时那一步") \
	X(S_K_L_LANG, "switch language (English / 中文), same step", "切换语言 (English / 中文), 停在同一步") \
	X(S_K_L_ANSWER, "answer the question", "回答问题")                                  \
	X(S_K_L_REVEAL, "show the answer", "显示答案")                                      \
	X(S_K_L_HOME, "back to the lessons", "回到课程列表")                                \
	X(S_K_KERNEL, "Linux says: the real kernel plays the same commands, on/off",        \
	  "Linux 说: 真实内核同步执行相同命令, 开/关")                                       \
	X(S_HL_NEXT, "next", "下一步")                                                      \
	X(S_HL_PREV, "prev", "上一步")                                                      \
	X(S_HL_REPLAY, "replay", "重放")                                                    \
	X(S_HL_TAKE, "take over", "接管")                                                   \
	X(S_HL_BACK, "back to lesson", "回到课程")                                          \
	X(S_HL_OTHER_LANG, "中文", "English")                                               \
	X(S_HL_HOME, "lessons", "课程列表")                                                 \
	X(S_HL_ANSWER, "answer", "作答")                                                    \
	X(S_HL_REVEAL, "show answer", "看答案")                                             \
	X(S_HL_CHOOSE, "choose", "选择")                                                    \
	X(S_HL_OPEN, "open", "打开")                                                        \
	X(S_HL_LANG, "language", "语言")                                                    \
	X(S_HL_KERNEL, "Linux says", "Linux 说")                                            \
	X(S_CROWD_SEGS, "+ %s crowd segments", "+ %s 个批量连接的报文段")                   \
	X(S_CROWD_FAILED, "%s connect() failed: no free port", "%s 次 connect() 失败: 没有空闲端口") \
	X(S_CROWD_COUNTS, "sockets by state", "各状态套接字数")                             \
	X(S_CROWD_PORTS, "ports to :%d", "到 :%d 的端口")                                   \
	X(S_CROWD_USED, "used", "已用")                                                     \
	X(S_CROWD_FREE, "free", "空闲")                                                     \
	X(S_LINUX_SAYS, "Linux", "Linux")                                                   \
	X(S_KERNEL_NO, "Linux says: cannot run here: %s", "Linux 说: 无法在此运行: %s")     \
	X(S_KERNEL_ON, "Linux says: on (the real kernel, in real time)", "Linux 说: 已开启 (真实内核, 实时)") \
	X(S_KERNEL_OFF, "Linux says: off", "Linux 说: 已关闭")                              \
	X(S_KERNEL_NOTHING, "(nothing yet)", "(尚无)")                                      \
	X(S_KERNEL_SKIPPED, "skipped: %s", "跳过: %s")

#define I18N_ENUM(id, en, zh) id,
enum i18n_id { I18N_STRINGS(I18N_ENUM) I18N_N };
#undef I18N_ENUM

/* The current language's text for id (never NULL). */
const char *i18n(enum i18n_id id);
/* Text for id in a given language. */
const char *i18n_in(enum i18n_lang lang, enum i18n_id id);
void i18n_set_lang(enum i18n_lang lang);
enum i18n_lang i18n_lang(void);
/* "en" / "zh" to a language, -1 if neither. */
int i18n_parse(const char *name);
/* The language the environment asks for (LC_ALL, LC_MESSAGES, LANG; zh* gives Chinese). */
enum i18n_lang i18n_from_env(void);
/* The timer's label in the current language ("RTO", "延迟ACK" ...). */
const char *i18n_timer(int timer);
/* The host's name in the current language ("client", "客户端"). */
const char *i18n_host(int host);

#endif
