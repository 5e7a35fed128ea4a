/** Chinese (default) strings. */
import { llmZh } from "./llm";

const zh = {
  app: { title: "小模型训练平台", language: "语言", switchLang: "English" },
  common: {
    save: "保存", cancel: "取消", delete: "删除", confirmDelete: "确认删除？", create: "新建",
    edit: "编辑", search: "搜索", loading: "加载中…", empty: "暂无数据", retry: "重试",
    actions: "操作", name: "名称", status: "状态", createdAt: "创建时间", back: "返回",
    refresh: "刷新", details: "详情", yes: "是", no: "否", submit: "提交", next: "下一步",
    prev: "上一步", error: "出错了", reload: "重新加载", download: "下载", all: "全部",
    saved: "已保存", done: "完成", close: "关闭",
    required: "必填", optional: "可选", range: "取值范围 {{min}} – {{max}}", outOfRange: "超出允许范围：{{range}}", me: "（我）", total: "共 {{count}} 条",
  },
  nav: {
    apiKeys: "API 密钥",
    dashboard: "概览", datasets: "数据集", newJob: "新建训练", jobs: "训练任务", models: "模型",
    compare: "模型对比", members: "项目成员", users: "用户管理", audit: "审计日志",
    admin: "系统管理", logout: "退出登录", project: "项目",
    projects: "项目", baseModels: "基础模型", profile: "我的资料", account: "账户",
  },
  login: {
    title: "登录", username: "用户名", password: "密码", submit: "登录",
    required: "请输入{{field}}", failed: "登录失败：{{message}}",
    subtitle: "上传数据，训练小模型，在线预测",
  },
  project: { none: "没有可用的项目", personal: "（个人）", role: "我的角色" },
  roles: { owner: "所有者", editor: "编辑者", viewer: "查看者", admin: "管理员", member: "成员" },
  members: {
    title: "项目成员", add: "添加成员", username: "用户名", role: "角色",
    onlyOwner: "只有项目所有者可以管理成员", remove: "移除", removeConfirm: "确认移除该成员？",
  },
  users: {
    title: "用户管理", create: "新建用户", username: "用户名", displayName: "显示名", email: "邮箱",
    role: "系统角色", active: "启用", disable: "停用", enable: "启用", resetPassword: "重置密码",
    newPassword: "新密码", password: "初始密码", passwordReset: "密码已重置",
  },
  audit: {
    title: "审计日志", action: "操作", actor: "操作人", objectType: "对象类型", object: "对象",
    ip: "IP", time: "时间", range: "时间范围", details: "详情",
    expand: "展开详情", empty: "没有符合条件的记录",
  },
  dashboard: {
    title: "概览", datasets: "数据集", activeJobs: "排队/运行中的任务", models: "模型",
    recentModels: "最近的模型", recentActivity: "最近动态", recentJobs: "最近的任务",
    getStarted: "从上传一个数据集开始", upload: "上传数据集", train: "开始训练",
    emptyJobs: "还没有训练任务：上传数据集后开始第一次训练", emptyModels: "训练任务成功后，模型会出现在这里",
  },
  datasets: {
    title: "数据集", upload: "上传数据集", dragHint: "点击或将 CSV / Excel / JSON 文件拖到此处上传",
    uploading: "正在上传 {{name}}", uploaded: "上传成功", rows: "行数", columns: "列数", size: "大小",
    format: "格式", preview: "数据预览", profile: "列概况", validate: "校验", validation: "校验报告",
    taskType: "任务类型", targetColumn: "目标列", textColumn: "文本列", runValidation: "运行校验",
    valid: "通过", invalid: "未通过", deleteConfirm: "删除数据集「{{name}}」？此操作不可撤销。",
    column: "列", dtype: "类型", missing: "缺失", unique: "唯一值", stats: "统计", distribution: "分布",
    searchPlaceholder: "按名称搜索", noDatasets: "还没有数据集", errors: "错误", warnings: "警告",
    cancelUpload: "取消上传", encoding: "编码",
    processingHint: "文件较大，正在后台转换，完成后自动刷新",
    uploadedProcessing: "已上传 {{name}}，文件较大，正在后台转换",
    failedTitle: "转换失败", failedHint: "请删除该数据集，修正文件后重新上传。",
    refused: "{{name}} 未能上传：{{reason}}", downloadOriginal: "下载原文件", downloadCsv: "下载 CSV", rowsTotal: "总行数", rowsUsable: "可用行数", rowsDropped: "去掉的行数", classCounts: "各类别行数", textLength: "文本长度", sampleRows: "示例行号：{{rows}}", dropReasons: "去掉原因", emptyHint: "上传 CSV / Excel / JSON 文件后即可预览、校验并开始训练", kind: "推断类型", histogram: "分布直方图", topValues: "最常见的值", uploadAgain: "重新选择文件",
  },
  jobs: {
    title: "训练任务", new: "新建训练", dataset: "数据集", taskType: "任务类型", mapping: "列映射",
    params: "参数", review: "确认", advanced: "高级参数", name: "任务名称", progress: "进度",
    eta: "预计剩余", cancel: "取消任务", retry: "重试", cancelConfirm: "确认取消该任务？",
    curves: "训练曲线", logs: "日志", events: "事件", model: "查看模型", live: "实时",
    reconnecting: "连接中断，正在重连…", started: "开始时间", finished: "结束时间",
    error: "错误信息", noJobs: "还没有训练任务", submitted: "任务已提交", step: "步",
    epoch: "轮", noMetrics: "暂无指标", selectDataset: "选择数据集", chooseTask: "选择任务类型",
    targetColumn: "目标列", textColumn: "文本列", featureColumns: "特征列（留空表示全部）",
    stage: "当前阶段", createdBy: "创建人",
    datasetsProcessing: "正在后台转换的数据集就绪后即可选择：{{names}}",
    datasetProcessing: "数据集「{{name}}」正在后台转换，就绪后即可选择",
    datasetFailed: "数据集「{{name}}」转换失败，不能用于训练：{{message}}",
    trainer: "训练器", hyperParams: "超参数", param: "参数", value: "取值", logSearch: "搜索日志", logLevel: "日志级别", downloadLog: "下载完整日志", noLogs: "暂无日志", oneClassHint: "请换一个目标列，或先补充其他类别的数据", stageFinished: "已结束", emptyHint: "从一个就绪的数据集新建训练", validationCurve: "验证", trainCurve: "训练", curveOf: "{{metric}}", columnsSearch: "输入列名搜索", cancelled: "任务已取消", attempts: "尝试次数",
  },
  status: {
    queued: "排队中", running: "运行中", succeeded: "成功", failed: "失败", cancelled: "已取消",
    cancelling: "取消中", ready: "就绪", uploading: "上传中", processing: "处理中", error: "错误",
  },
  models: {
    title: "模型", version: "版本", metrics: "指标", confusion: "混淆矩阵", perClass: "分类指标",
    importance: "特征重要性", mistakes: "最有把握的错误", card: "模型卡片", download: "下载模型",
    tryIt: "在线试用", predict: "预测", prediction: "预测结果", input: "输入",
    compare: "对比所选模型", compareHint: "选择 2–4 个模型进行对比", noModels: "还没有模型",
    job: "训练任务", precision: "精确率", recall: "召回率", f1: "F1", support: "样本数",
    label: "类别", predicted: "预测", actual: "真实", confidence: "置信度", class: "类别",
    probability: "概率", metric: "指标", curves: "训练曲线", text: "文本",
    predictedAxis: "预测类别", actualAxis: "真实类别", confusionView: "显示方式", counts: "计数", normalised: "按真实类别归一化", paramDiff: "参数差异", best: "最佳", sameTaskOnly: "只能对比同一任务类型的模型：请只选择「{{task}}」的模型", trainer: "训练器", emptyHint: "训练任务成功后会生成模型", lowerIsBetter: "越小越好", higherIsBetter: "越大越好",
  },
  projects: {
    title: "项目", create: "新建项目", name: "项目名称", description: "描述", created: "项目已创建",
    personal: "个人项目", role: "我的角色", open: "切换到此项目",
  },
  baseModels: {
    title: "基础模型", name: "名称", type: "模型类型", parameters: "参数量", size: "大小", ok: "可用",
    problems: "问题", empty: "还没有基础模型：管理员可以把预训练模型放到基础模型目录中", path: "位置",
  },
  profile: {
    title: "我的资料", username: "用户名", displayName: "显示名", email: "邮箱", role: "系统角色",
    changePassword: "修改密码", currentPassword: "当前密码", newPassword: "新密码", confirmPassword: "确认新密码",
    mismatch: "两次输入的新密码不一致", passwordChanged: "密码已修改", saveProfile: "保存资料",
  },
  logLevels: { debug: "调试", info: "信息", warning: "警告", error: "错误" },
  tasks: { tabular_classification: "表格分类", tabular_regression: "表格回归", text_classification: "文本分类", llm_sft: "大模型微调（SFT）" },
  errors: {
    boundary: "页面出错了", network: "网络错误，请稍后重试", notFound: "页面不存在",
    forbidden: "没有权限", goHome: "返回首页",
  },
  llm: llmZh,
};

export default zh;
export type Messages = typeof zh;
